#!/bin/bash
# Stand-in for tensorflow/serving's default entrypoint (the stack replaces it with the server itself).
exec tensorflow_model_server --port=8500 --rest_api_port=8501 \
  --model_name="${MODEL_NAME}" --model_base_path="${MODEL_BASE_PATH}/${MODEL_NAME}" "$@"
