"""Parcels between 发货 and 签收 (PRODUCT §18): canonical states from the couriers' codes
(states.py), one tracking result → one parcel (trace.py), ship-by deadlines (deadlines.py),
parcels in trouble (findings.py) and what staff do and say about them (messages.py). Plain
functions: no database, no files, no output."""
