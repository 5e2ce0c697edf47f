"""Workflows over a :class:`~model.api.Model`: case files (:mod:`.cases`, the one case-file
parser), reports (:mod:`.report`), batch scoring (:mod:`.batch`, :mod:`.dask_batch`),
learning from confirmed cases (:mod:`.learn`), evaluation on vignettes (:mod:`.evaluate`) and
calibration (:mod:`.calibration`). Each takes the model it works with; none reaches below
the public API except for what ``Model`` exposes."""
