# Warnings for every roadwatch target. Core code also gets -Wold-style-cast: it has no
# C APIs to excuse casts, the GLib glue does (G_OBJECT(), GST_BUFFER() ...).
function(rw_set_warnings target)
  cmake_parse_arguments(ARG "CORE" "" "" ${ARGN})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic)
  if(ARG_CORE)
    target_compile_options(${target} PRIVATE -Wold-style-cast -Wconversion -Wno-sign-conversion)
  endif()
  if(RW_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
