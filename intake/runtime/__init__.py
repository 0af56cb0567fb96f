"""Running a deployment: assembling it from the config, the pipeline rounds, the scheduled worker, locks, logs and the clock."""
