# Helpers for Serval's layered libraries.
#
# serval_library(NAME SRCS ... DEPS ...) makes a static library `serval_<NAME>` and rejects any
# Serval dependency that is not allowed for that layer (dependencies point only downward; see
# docs/architecture.md). The same table drives tests/layering/check_includes.py.

set(SERVAL_ALLOWED_DEPS_base "")
set(SERVAL_ALLOWED_DEPS_proto "")
set(SERVAL_ALLOWED_DEPS_tensor "base;proto")
set(SERVAL_ALLOWED_DEPS_loader "base;proto;tensor")
set(SERVAL_ALLOWED_DEPS_graph "base;proto;tensor;loader")
set(SERVAL_ALLOWED_DEPS_runtime "base;proto;tensor;graph")
set(SERVAL_ALLOWED_DEPS_kernels_cpu "base;proto;tensor;runtime")
set(SERVAL_ALLOWED_DEPS_session "base;proto;tensor;loader;graph;runtime;kernels_cpu")
# codec: TF Serving JSON and tf.Example wire formats, shared by the CLI and the REST API.
set(SERVAL_ALLOWED_DEPS_codec "base;proto;tensor;loader")
# monitoring: metric registry (counters, gauges, histograms) and Prometheus text exposition.
set(SERVAL_ALLOWED_DEPS_monitoring "base")
set(SERVAL_ALLOWED_DEPS_batching "base;tensor;monitoring")
# servable uses codec for warmup (tf.Example Input → tensor, classify/regress output checks).
set(SERVAL_ALLOWED_DEPS_servable "base;proto;tensor;loader;graph;runtime;kernels_cpu;session;monitoring;batching;codec")
set(SERVAL_ALLOWED_DEPS_api "base;proto;tensor;loader;codec;session;monitoring;batching;servable")
# api_grpc: TF Serving's gRPC services (only with SERVAL_WITH_GRPC).
set(SERVAL_ALLOWED_DEPS_api_grpc "base;proto;tensor;loader;codec;session;monitoring;batching;servable;api")
set(SERVAL_ALLOWED_DEPS_server "base;proto;tensor;loader;codec;session;monitoring;batching;servable;api;api_grpc")

function(serval_library NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;EXTERNAL" ${ARGN})
  if(NOT DEFINED SERVAL_ALLOWED_DEPS_${NAME})
    message(FATAL_ERROR "serval_library(${NAME}): unknown layer; add it to cmake/serval.cmake")
  endif()
  foreach(dep IN LISTS ARG_DEPS)
    if(NOT dep IN_LIST SERVAL_ALLOWED_DEPS_${NAME})
      message(FATAL_ERROR "serval_library(${NAME}) may not depend on '${dep}' (allowed: ${SERVAL_ALLOWED_DEPS_${NAME}})")
    endif()
  endforeach()
  add_library(serval_${NAME} STATIC ${ARG_SRCS})
  target_include_directories(serval_${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  set(libs "")
  foreach(dep IN LISTS ARG_DEPS)
    list(APPEND libs serval_${dep})
  endforeach()
  target_link_libraries(serval_${NAME} PUBLIC ${libs} ${ARG_EXTERNAL})
endfunction()

# serval_test(NAME SRCS ... DEPS ...) — a GoogleTest binary registered with CTest.
function(serval_test NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${NAME} ${ARG_SRCS})
  target_link_libraries(${NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  set_target_properties(${NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  add_test(NAME ${NAME} COMMAND ${NAME})
  set_tests_properties(${NAME} PROPERTIES ENVIRONMENT "SERVAL_FIXTURES=${SERVAL_FIXTURES}")
  if(ARG_LABELS)
    set_tests_properties(${NAME} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
