namespace ModelGen.Benchmarks.Peers;

/// <summary>One-time peer setup: loadable native library, and libtorch on the same two cores ModelGen uses.</summary>
public static class Peer
{
    private static readonly Lazy<string> Setup = new(() =>
    {
        string fix = TorchSharpNativeFix.EnsureLoadable();
        TorchSharp.torch.set_num_threads(Environment.ProcessorCount);
        return fix;
    });

    public static string Initialize() => Setup.Value;
}
