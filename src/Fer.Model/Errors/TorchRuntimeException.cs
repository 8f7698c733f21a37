using PersonalFer.Data;

namespace PersonalFer.Model;

/// <summary>TorchSharp's native backend cannot be loaded on this machine; the message says why and what to install.</summary>
public sealed class TorchRuntimeException : PersonalFerException
{
    /// <summary>Creates the exception.</summary>
    public TorchRuntimeException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
