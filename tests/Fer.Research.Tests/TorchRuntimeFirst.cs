using System.Runtime.CompilerServices;
using PersonalFer.Model;

namespace PersonalFer.Research.Tests;

/// <summary>
/// Tests call TorchSharp directly (tensors, modules) before any Fer.Model API would load it at first use; on
/// Debian 12 that needs the patched native library first (docs/NATIVE.md), so the test assembly loads it up front.
/// </summary>
internal static class TorchRuntimeFirst
{
    [ModuleInitializer]
    internal static void Initialize() => TorchRuntime.EnsureInitialized();
}
