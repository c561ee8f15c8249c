"""The marketing PMO: stage gates and reviews, stage history, win probability, pipeline and
forecast reports, and the ``/pmo`` page."""
