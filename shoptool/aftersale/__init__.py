"""After-sales (PRODUCT §17): what a refund's export words mean (codes), when it is due
(deadlines) and what the shop must do about it (findings). Plain functions over row dicts."""
