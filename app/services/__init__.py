"""Use cases: apply the domain rules to the models, write the timeline, commit, then notify."""
