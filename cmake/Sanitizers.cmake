# Build options for the checks of issue 21 (RELIABILITY.md): sanitizers,
# libFuzzer, -Werror and Clang's thread-safety analysis. Included by the root
# CMakeLists.txt before any target is defined, so every target of the tree
# (libraries, the spime binary, the tests) is built the same way.
#
#   -DSPIME_SANITIZE=address,undefined   ASan + UBSan (any -fsanitize= list)
#   -DSPIME_SANITIZE=thread              TSan (tests/tsan.supp names what is suppressed)
#   -DSPIME_FUZZ=ON                      libFuzzer targets in tests/fuzz/ (clang only);
#                                        every library gets coverage instrumentation
#   -DSPIME_WERROR=ON                    warnings are errors (CI's GCC build)
#
# With clang, -Wthread-safety is on and its findings are errors
# (engine/base/thread_annotations.h).

set(SPIME_SANITIZE "" CACHE STRING "-fsanitize= list for every target (e.g. address,undefined or thread)")
option(SPIME_FUZZ "build the libFuzzer targets of tests/fuzz (clang)" OFF)
option(SPIME_WERROR "treat compiler warnings as errors" OFF)

set(SPIME_IS_CLANG OFF)
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  set(SPIME_IS_CLANG ON)
endif()

# Project warnings (third-party headers are included as SYSTEM). GCC and clang
# spell local-shadowing differently.
if(SPIME_IS_CLANG)
  set(SPIME_WARNINGS -Wall -Wextra -Wpedantic -Wshadow-uncaptured-local -Wnon-virtual-dtor
                     -Wno-unused-parameter -Wthread-safety -Werror=thread-safety)
else()
  set(SPIME_WARNINGS -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
                     -Wno-unused-parameter)
endif()
if(SPIME_WERROR)
  list(APPEND SPIME_WARNINGS -Werror)
endif()

if(SPIME_SANITIZE)
  # Frame pointers for readable reports; UBSan findings stop the program (a
  # test or a fuzz run fails instead of printing and going on).
  add_compile_options(-fsanitize=${SPIME_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${SPIME_SANITIZE})
  if(SPIME_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
    # Third-party code UBSan leaves alone (CAF's spawn): tests/ubsan.ignorelist.
    add_compile_options(-fsanitize-ignorelist=${CMAKE_SOURCE_DIR}/tests/ubsan.ignorelist)
  endif()
  # jemalloc replaces malloc, as the sanitizers' runtimes do.
  set(SPIME_JEMALLOC OFF CACHE BOOL "link the spime binary with jemalloc" FORCE)
endif()

if(SPIME_FUZZ)
  if(NOT SPIME_IS_CLANG)
    message(FATAL_ERROR "SPIME_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage feedback from every library the targets link; the targets
  # themselves add -fsanitize=fuzzer (libFuzzer's main) at link time.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
