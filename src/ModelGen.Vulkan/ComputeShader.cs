namespace ModelGen.Vulkan;

/// <summary>
/// One HLSL compute shader the generator emitted for a model: its name (the op and pass it runs), its source (entry
/// point <c>main</c>, <c>[numthreads]</c> and the buffer layout in its header comment), ready for glslang → SPIR-V →
/// Vulkan, or for a DirectX 12 host (dxc) as it is.
/// </summary>
/// <param name="Name">Unique within the model, e.g. <c>HiddenForward</c>.</param>
/// <param name="Source">HLSL (Shader Model 5.1 syntax, plus <c>[[vk::push_constant]]</c>, which DirectX compilers ignore).</param>
public sealed record ComputeShader(string Name, string Source)
{
    /// <summary>
    /// Writes each shader to <paramref name="folder"/> as <c>Name.hlsl</c> (creating the folder), for a build step or
    /// a DirectX 12 host that compiles them itself; returns the paths in dispatch order.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(IReadOnlyList<ComputeShader> shaders, string folder)
    {
        ArgumentNullException.ThrowIfNull(shaders);
        Directory.CreateDirectory(folder);
        var paths = new string[shaders.Count];
        for (int i = 0; i < shaders.Count; i++)
        {
            paths[i] = Path.Combine(folder, shaders[i].Name + ".hlsl");
            File.WriteAllText(paths[i], shaders[i].Source);
        }
        return paths;
    }
}
