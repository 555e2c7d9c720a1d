"""Buyers (PRODUCT §20): one view of a customer, member tiers, segments and RFM scores, and who a
marketing text may go to. Plain functions over rows and settings: the queries are in
db/customers.py, the use cases in jobs/customers.py, jobs/segments.py and jobs/campaign.py."""
