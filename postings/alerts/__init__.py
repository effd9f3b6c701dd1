"""Job alerts (岗位订阅): a candidate saves a listing's filter with an email
address and is mailed the new matching postings, daily or weekly.

- ``searches``: a listing query in normal form, and its readable description;
- ``forms`` and ``views``: subscribing, confirming, managing, unsubscribing;
- ``mail``: signed links, the mails themselves, and the digest run behind
  ``manage.py send_alerts``.
"""
