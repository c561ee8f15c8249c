"""Schedule risk: the bid's risk register and its Monte Carlo schedule risk (``wbs.risk``)."""
