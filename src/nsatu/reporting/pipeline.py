"""Reports on the system's own pledges: the pipeline of stages and the dependence on donors."""
