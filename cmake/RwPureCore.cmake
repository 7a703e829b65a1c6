# gst-plugins/core must stay free of GLib and GStreamer so that it can be unit-tested with
# plain types. rw_assert_pure_core() fails the configure step when a core file includes
# them; rw_check_headers_standalone() compiles each public header on its own.
function(rw_assert_pure_core)
  foreach(file IN LISTS ARGN)
    file(STRINGS "${file}" hits REGEX "#[ \t]*include[ \t]*[<\"](glib|gst|gio|gobject|json-glib)[/.-]")
    if(hits)
      message(FATAL_ERROR "${file} includes GLib/GStreamer (${hits}); "
                          "gst-plugins/core must use plain C++ and OpenCV only")
    endif()
  endforeach()
endfunction()

# rw_check_headers_standalone(<target> LINK <libs...> HEADERS <headers...>)
function(rw_check_headers_standalone target)
  cmake_parse_arguments(ARG "" "" "LINK;HEADERS" ${ARGN})
  set(sources "")
  foreach(header IN LISTS ARG_HEADERS)
    string(MAKE_C_IDENTIFIER "${header}" id)
    set(src "${CMAKE_CURRENT_BINARY_DIR}/standalone/${id}.cpp")
    file(CONFIGURE OUTPUT "${src}" CONTENT "#include <${header}>\n")
    list(APPEND sources "${src}")
  endforeach()
  add_library(${target} OBJECT ${sources})
  target_link_libraries(${target} PRIVATE ${ARG_LINK})
  rw_set_warnings(${target} CORE)
endfunction()
