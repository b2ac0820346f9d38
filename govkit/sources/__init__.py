"""Sources: where evidence comes from. Each source has one folder (``govkit/sources/<name>/``)
holding its collection and its normalisation, behind the small interface in
``govkit.sources.interface``; ``govkit.sources.registry`` lists the sources a run normalises."""
