// The header must compile as C++ (extern "C" guard) with strict warnings.
#include "voicecb.h"

#include <cstdio>

int main() {
    voicecb_options *opts = nullptr;
    if (voicecb_options_new(&opts) != VOICECB_OK) return 1;
    voicecb_options_free(opts);
    std::printf("c++: %s, ABI %u\n", voicecb_version(), voicecb_abi_version());
    return voicecb_abi_version() == VOICECB_ABI_VERSION ? 0 : 1;
}
