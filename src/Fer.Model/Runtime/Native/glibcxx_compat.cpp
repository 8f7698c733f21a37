// Provides std::ios_base_library_init(), which GCC 13's libstdc++ (GLIBCXX_3.4.32) added and which
// TorchSharp's libLibTorchSharp.so calls from its static initialisers. Older libstdc++ (GCC 12, Debian 12,
// Ubuntu 22.04) lacks it; TorchRuntime patches a copy of libLibTorchSharp.so to take it from here instead.
// Built by Fer.Model.csproj with the system g++; the result needs only GLIBCXX_3.4.
#include <ios>

namespace std {
void ios_base_library_init() { static ios_base::Init init; }
}
