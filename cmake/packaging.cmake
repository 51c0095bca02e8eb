# packaging.cmake — gardien as people install it: the shared library (SONAME,
# versioned symbols, only the public gd_* functions exported) beside the static
# one, the generated version header, pkg-config and CMake package files, man
# page and shell completions generated from the CLI's command table, the systemd
# unit, `cmake --install` of all of it, and `cpack -G DEB` packages:
#   gardien          the command, libgardien.so.N, man page, completions, unit
#   libgardien-dev   headers, libgardien.a, the .so link, gardien.pc, CMake config
# Included at the end of CMakeLists.txt, once the targets exist.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GD_SOVERSION ${PROJECT_VERSION_MAJOR})

# The one version: project(VERSION) → gardien/version.h (GD_VERSION) and the
# library's gd_version().
configure_file(${CMAKE_SOURCE_DIR}/cmake/version.h.in
               ${CMAKE_BINARY_DIR}/include/gardien/version.h @ONLY)
target_include_directories(gardien PUBLIC ${CMAKE_BINARY_DIR}/include)

# The static library's objects are position-independent so the shared library
# is linked from the same objects (one compilation).
set_target_properties(gardien PROPERTIES POSITION_INDEPENDENT_CODE ON)

set(GD_MAP ${CMAKE_BINARY_DIR}/gardien.map)
file(GLOB GD_PUBLIC_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/include/gardien.h
     ${CMAKE_SOURCE_DIR}/include/gardien/*.h)
add_custom_command(
  OUTPUT ${GD_MAP}
  COMMAND ${CMAKE_COMMAND} -DROOT=${CMAKE_SOURCE_DIR} -DOUT=${GD_MAP} -DSOVERSION=${GD_SOVERSION}
          -P ${CMAKE_SOURCE_DIR}/cmake/exports.cmake
  DEPENDS ${GD_PUBLIC_HEADERS} ${CMAKE_SOURCE_DIR}/cmake/exports.cmake
  COMMENT "Writing the version script of libgardien.so" VERBATIM)
add_custom_target(gardien_map DEPENDS ${GD_MAP})

add_library(gardien_shared SHARED $<TARGET_OBJECTS:gardien>)
add_dependencies(gardien_shared gardien_map)
set_target_properties(gardien_shared PROPERTIES
  OUTPUT_NAME gardien VERSION ${PROJECT_VERSION} SOVERSION ${GD_SOVERSION}
  LINK_DEPENDS ${GD_MAP})
target_include_directories(gardien_shared PUBLIC include ${CMAKE_BINARY_DIR}/include)
target_link_options(gardien_shared PRIVATE -Wl,--version-script=${GD_MAP})
if(NOT GD_SANITIZE AND NOT GD_FUZZ)
  # Every symbol the library needs is resolved at link time.
  target_link_options(gardien_shared PRIVATE -Wl,-z,defs)
endif()
target_link_libraries(gardien_shared PRIVATE PkgConfig::SODIUM PkgConfig::SQLITE
                      PkgConfig::JANSSON PkgConfig::FYAML PkgConfig::OATH PkgConfig::PQ PkgConfig::LIBZIP Threads::Threads m)

# Man page and completions: written by the built command from its own table,
# so they cannot drift from `gardien help`.
set(GD_MAN ${CMAKE_BINARY_DIR}/man/gardien.1)
set(GD_BASH ${CMAKE_BINARY_DIR}/completions/gardien)
set(GD_ZSH ${CMAKE_BINARY_DIR}/completions/_gardien)
add_custom_command(
  OUTPUT ${GD_MAN} ${GD_BASH} ${GD_ZSH}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man ${CMAKE_BINARY_DIR}/completions
  COMMAND sh -c "\"$1\" help --man > \"$2\" && \"$1\" completion bash > \"$3\" && \"$1\" completion zsh > \"$4\""
          sh $<TARGET_FILE:gardien_cli> ${GD_MAN} ${GD_BASH} ${GD_ZSH}
  DEPENDS gardien_cli
  COMMENT "Writing the man page and shell completions" VERBATIM)
add_custom_target(gardien_docs ALL DEPENDS ${GD_MAN} ${GD_BASH} ${GD_ZSH})

# pkg-config and CMake package files.
configure_file(${CMAKE_SOURCE_DIR}/packaging/gardien.pc.in ${CMAKE_BINARY_DIR}/gardien.pc @ONLY)
configure_package_config_file(${CMAKE_SOURCE_DIR}/packaging/gardienConfig.cmake.in
  ${CMAKE_BINARY_DIR}/gardienConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gardien
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/gardienConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)

install(TARGETS gardien_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS gardien_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_SKIP)
install(TARGETS gardien_shared
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev NAMELINK_ONLY)
install(TARGETS gardien ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
install(FILES include/gardien.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(DIRECTORY include/gardien ${CMAKE_BINARY_DIR}/include/gardien
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(FILES ${CMAKE_BINARY_DIR}/gardien.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)
install(FILES ${CMAKE_BINARY_DIR}/gardienConfig.cmake ${CMAKE_BINARY_DIR}/gardienConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/gardien COMPONENT dev)
install(FILES ${GD_MAN} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
install(FILES ${GD_BASH} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        COMPONENT runtime)
install(FILES ${GD_ZSH} DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions
        COMPONENT runtime)
install(FILES packaging/gardien.service DESTINATION lib/systemd/system COMPONENT runtime)
install(FILES packaging/gardien-maintenance.service packaging/gardien-maintenance.timer
        DESTINATION lib/systemd/system COMPONENT runtime)
install(PROGRAMS packaging/gardien-maintenance DESTINATION lib/gardien COMPONENT runtime)
install(FILES packaging/gardien.conf DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/gardien
        COMPONENT runtime)
install(FILES LICENSE NOTICE DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

# Debian packages: cpack -G DEB in the build directory.
set(CPACK_PACKAGE_NAME gardien)
set(CPACK_PACKAGE_VENDOR "gardien")
set(CPACK_PACKAGE_CONTACT "gardien maintainers <gardien@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "GDPR enforcement engine: encrypted vault and register of processing")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME gardien)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libgardien-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "gardien (= ${PROJECT_VERSION}), libsodium-dev, libsqlite3-dev, libjansson-dev, libfyaml-dev, liboath-dev, libpq-dev, libzip-dev, pkg-config")
include(CPack)
