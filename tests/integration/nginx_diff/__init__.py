"""The differential test's pieces: the site both servers serve (site.py), the request generator
(gen.py), the comparison and its normalizations (compare.py), the configs (configs/*.conf, and
pending/*.conf for those that need a directive webcycle does not support yet). See
docs/NGINX.md."""
