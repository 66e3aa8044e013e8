#include "web/vars/variables.h"

#ifndef WEBCYCLE_VERSION
#define WEBCYCLE_VERSION "0.0.0"
#endif

namespace wc::web::vars {

std::string_view nginx_version() noexcept { return WEBCYCLE_VERSION; }

}  // namespace wc::web::vars
