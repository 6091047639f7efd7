# saved_model fuzz target (SavedModel load + graph import + planning); included by
# tests/fuzz/CMakeLists.txt. The input is the bytes of a saved_model.pb.
#   SERVAL_BUILD_FUZZERS=ON (clang): `saved_model_fuzz`, a libFuzzer binary. Run it as
#     saved_model_fuzz -max_len=65536 <scratch-corpus-dir> tests/fuzz/corpus/saved_model
#   otherwise: `saved_model_fuzz_replay`, which runs the target once on every corpus file.
#   Either way CTest replays tests/fuzz/corpus/saved_model (seeds + regress_* inputs).
# `saved_model_fuzz_seeds` (not built by default) regenerates the seeds:
#     ninja saved_model_fuzz_seeds && bin/saved_model_fuzz_seeds tests/fuzz/corpus/saved_model
set(SERVAL_SAVED_MODEL_CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/saved_model)
set(SERVAL_SAVED_MODEL_FUZZ_DEPS serval_loader serval_graph serval_runtime serval_kernels_cpu serval_session)

if(SERVAL_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SERVAL_BUILD_FUZZERS needs clang (libFuzzer); CMAKE_CXX_COMPILER_ID is ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_executable(saved_model_fuzz ${CMAKE_CURRENT_LIST_DIR}/saved_model_fuzz.cc)
  target_compile_options(saved_model_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_options(saved_model_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_libraries(saved_model_fuzz PRIVATE ${SERVAL_SAVED_MODEL_FUZZ_DEPS})
  # -runs=0 with directories: execute every input once, no mutation.
  add_test(NAME saved_model_fuzz_corpus COMMAND saved_model_fuzz -runs=0 ${SERVAL_SAVED_MODEL_CORPUS})
  set_tests_properties(saved_model_fuzz_corpus PROPERTIES LABELS fuzz)
else()
  add_executable(saved_model_fuzz_replay
    ${CMAKE_CURRENT_LIST_DIR}/saved_model_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/replay_main.cc)
  target_link_libraries(saved_model_fuzz_replay PRIVATE ${SERVAL_SAVED_MODEL_FUZZ_DEPS})
  add_test(NAME saved_model_fuzz_replay COMMAND saved_model_fuzz_replay ${SERVAL_SAVED_MODEL_CORPUS})
  set_tests_properties(saved_model_fuzz_replay PROPERTIES LABELS fuzz)
endif()

add_executable(saved_model_fuzz_seeds EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/saved_model_seeds.cc)
target_link_libraries(saved_model_fuzz_seeds PRIVATE serval_loader)
