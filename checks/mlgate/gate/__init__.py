"""`mlgate gate`: judge a change's metrics against mlgate.yaml's bounds and the baseline ref."""
