namespace ModelGen.Vulkan;

/// <summary>
/// One HLSL compute shader the generator emitted for a model: its name (the op and pass it runs), its source (entry
/// point <c>main</c>, <c>[numthreads]</c> and the buffer layout in its header comment), ready for glslang → SPIR-V →
/// Vulkan, or for a DirectX 12 host (dxc) as it is.
/// </summary>
/// <param name="Name">Unique within the model, e.g. <c>HiddenForward</c>.</param>
/// <param name="Source">HLSL (Shader Model 5.1 syntax, plus <c>[[vk::push_constant]]</c>, which DirectX compilers ignore).</param>
public sealed record ComputeShader(string Name, string Source);
