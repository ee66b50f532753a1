#!/bin/sh
# Stand-in for the Elasticsearch image's entrypoint: `eswrapper` starts the node, anything else runs as given.
if [ "${1:-eswrapper}" = eswrapper ]; then exec /usr/share/elasticsearch/bin/elasticsearch; fi
exec "$@"
