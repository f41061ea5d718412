"""Development tools: they check the course and its grader, and ship with neither."""
