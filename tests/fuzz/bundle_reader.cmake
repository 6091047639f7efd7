# bundle_reader fuzz target; included by tests/fuzz/CMakeLists.txt.
#   SERVAL_BUILD_FUZZERS=ON (clang): `bundle_reader_fuzz`, a libFuzzer binary. Run it as
#     bundle_reader_fuzz -max_len=65536 <scratch-corpus-dir> tests/fuzz/corpus/bundle_reader
#   otherwise: `bundle_reader_fuzz_replay`, which runs the target once on every corpus file.
#   Either way CTest replays tests/fuzz/corpus/bundle_reader (seeds + regress_* inputs).
# `bundle_reader_fuzz_seeds` (not built by default) regenerates the corpus:
#     ninja bundle_reader_fuzz_seeds && bin/bundle_reader_fuzz_seeds tests/fuzz/corpus/bundle_reader
set(SERVAL_BUNDLE_READER_CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/bundle_reader)

if(SERVAL_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "SERVAL_BUILD_FUZZERS needs clang (libFuzzer); CMAKE_CXX_COMPILER_ID is ${CMAKE_CXX_COMPILER_ID}")
  endif()
  add_executable(bundle_reader_fuzz ${CMAKE_CURRENT_LIST_DIR}/bundle_reader_fuzz.cc)
  target_compile_options(bundle_reader_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_options(bundle_reader_fuzz PRIVATE -fsanitize=fuzzer)
  target_link_libraries(bundle_reader_fuzz PRIVATE serval_loader)
  # -runs=0 with directories: execute every input once, no mutation.
  add_test(NAME bundle_reader_fuzz_corpus COMMAND bundle_reader_fuzz -runs=0 ${SERVAL_BUNDLE_READER_CORPUS})
  set_tests_properties(bundle_reader_fuzz_corpus PROPERTIES LABELS fuzz)
else()
  add_executable(bundle_reader_fuzz_replay
    ${CMAKE_CURRENT_LIST_DIR}/bundle_reader_fuzz.cc
    ${CMAKE_CURRENT_LIST_DIR}/replay_main.cc)
  target_link_libraries(bundle_reader_fuzz_replay PRIVATE serval_loader)
  add_test(NAME bundle_reader_fuzz_replay COMMAND bundle_reader_fuzz_replay ${SERVAL_BUNDLE_READER_CORPUS})
  set_tests_properties(bundle_reader_fuzz_replay PROPERTIES LABELS fuzz)
endif()

add_executable(bundle_reader_fuzz_seeds EXCLUDE_FROM_ALL ${CMAKE_CURRENT_LIST_DIR}/bundle_reader_seeds.cc)
target_link_libraries(bundle_reader_fuzz_seeds PRIVATE serval_loader)
