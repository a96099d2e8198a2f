"""
scripts/bench: measurements of a running Meadow stack.

- stack.py: the stack's URLs, its Compose project, the sandbox, CPU per container;
- about.py: the machine and versions a run reports;
- load.py: load generators (closed loop, steady rate, a raw-socket flood);
- context.py: what every measurement shares, and how events are posted;
- throughput.py: gateway vs direct, and valid requests under malformed ones;
- flows.py: end to end to the email, and OMDb lookups under a burst;
- analysis.py, report.py, chart.py: totals and ratios, the printout, the PNG;
- cli.py: options, the order of the sections, the result files.
"""
