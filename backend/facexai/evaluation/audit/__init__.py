"""``facexai audit``: predictions and explanations of a labelled set of faces on Ray, streamed to
resumable shards, then per-group metrics with intervals and population attribution statistics.

- ``faces``: the labelled set, read and checked (bad rows are skipped with a reason, never fatal);
- ``regions``: the fixed face regions of an aligned chip (a face's reduction to shares and a small map is
  each method's ``Method.reduce``);
- ``shards``: results on disk, keyed by the model's weights and the explanation options (resume);
- ``engine``: Ray (local or a cluster), one actor per worker, tasks of batches, a progress bar;
- ``stats``: group metrics (Fairlearn), calibration, bootstrap and paired permutation tests;
- ``report``: ``audit.json`` and a self-contained HTML report; ``population``: the bundle's maps.
"""
