# tfs_json fuzz target (TF Serving REST JSON codec); included by tests/fuzz/CMakeLists.txt.
#   SERVAL_BUILD_FUZZERS=ON (clang): `tfs_json_fuzz`, a libFuzzer binary. Run it as
#     tfs_json_fuzz -max_len=65536 -dict=... <scratch-corpus-dir> tests/fuzz/corpus/tfs_json
#   otherwise: `tfs_json_fuzz_replay`, which runs the target once on every corpus file.
#   Either way CTest replays tests/fuzz/corpus/tfs_json (hand-written seeds + regress_* inputs).
set(SERVAL_TFS_JSON_CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/tfs_json)

if(SERVAL_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SERVAL_BUILD_FUZZERS needs clang (libFuzzer); CMAKE_CXX_COMPILER_ID is ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_executable(tfs_json_fuzz ${CMAKE_CURRENT_LIST_DIR}/tfs_json_fuzz.cc)
  target_compile_options(tfs_json_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_options(tfs_json_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_libraries(tfs_json_fuzz PRIVATE serval_codec)
  # -runs=0 with directories: execute every input once, no mutation.
  add_test(NAME tfs_json_fuzz_corpus COMMAND tfs_json_fuzz -runs=0 ${SERVAL_TFS_JSON_CORPUS})
  set_tests_properties(tfs_json_fuzz_corpus PROPERTIES LABELS fuzz)
else()
  add_executable(tfs_json_fuzz_replay
    ${CMAKE_CURRENT_LIST_DIR}/tfs_json_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/replay_main.cc)
  target_link_libraries(tfs_json_fuzz_replay PRIVATE serval_codec)
  add_test(NAME tfs_json_fuzz_replay COMMAND tfs_json_fuzz_replay ${SERVAL_TFS_JSON_CORPUS})
  set_tests_properties(tfs_json_fuzz_replay PROPERTIES LABELS fuzz)
endif()
