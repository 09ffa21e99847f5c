"""Economic cost of Internet shutdowns: World Bank inputs (wdi, worldbank), the cost model
(cost_model, regions) and its comparison with Top10VPN's published figures (compare)."""
