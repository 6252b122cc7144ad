using System.Diagnostics;
using System.Reflection;
using ModelGen.DeviceTests;

namespace ModelGen.Vulkan.Tests;

/// <summary>
/// Every shader the generator emitted for this assembly's models compiles with glslang (HLSL front end, as a DirectX 12
/// toolchain would read it) and passes spirv-val — run here directly, not through the runtime's cache, so a stale cache
/// cannot hide a broken shader.
/// </summary>
public sealed class ShaderValidationTests
{
    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        foreach (Type model in VulkanModels())
            data.Add(model.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_shader_compiles_to_valid_spirv(string modelName)
    {
        Type model = VulkanModels().Single(t => t.Name == modelName);
        IReadOnlyList<ComputeShader> shaders = ShadersOf(model);
        Assert.NotEmpty(shaders);
        Assert.Equal(shaders.Count, shaders.Select(s => s.Name).Distinct().Count());
        string folder = Directory.CreateTempSubdirectory("modelgen-hlsl-").FullName;
        try
        {
            IReadOnlyList<string> files = ComputeShader.WriteAll(shaders, folder);
            for (int i = 0; i < shaders.Count; i++)
            {
                Assert.StartsWith($"// {modelName} · {shaders[i].Name}: ", shaders[i].Source);
                string hlsl = files[i], spirv = Path.ChangeExtension(hlsl, ".spv");
                Assert.Equal(shaders[i].Source, File.ReadAllText(hlsl));
                Run(Tool("glslangValidator"), "-D", "-V", "-S", "comp", "-e", "main", "--target-env", "vulkan1.1", hlsl, "-o", spirv);
                Run(Tool("spirv-val"), "--target-env", "vulkan1.1", spirv);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_shader_that_does_not_compile_names_itself_and_says_why()
    {
        var broken = new ComputeShader("Broken", "[numthreads(64, 1, 1)]\nvoid main(uint3 id : SV_DispatchThreadID)\n{\n    Missing[id.x] = 1.0f;\n}\n");
        var error = Assert.Throws<ShaderCompilationException>(() => ShaderCompiler.Compile(broken));
        Assert.Equal("Broken", error.Shader);
        Assert.Contains("Broken.hlsl", error.Message);
        Assert.Contains("Missing", error.Message);
    }

    [Fact]
    public void Shaders_are_emitted_in_dispatch_order_and_are_the_same_each_build()
    {
        IReadOnlyList<ComputeShader> shaders = ShadersOf(typeof(DeviceDropout));
        string[] names = shaders.Select(s => s.Name).ToArray();
        // Forward in layer order (ReLU inside Hidden's GEMM), then the loss and its mean, backward in reverse (ReLU's
        // derivative on its own: dropout stands between it and the next GEMM), then clipping and the update.
        Assert.Equal(
            ["InputsDropoutForward", "HiddenForward", "HiddenDropoutForward", "LogitsForward", "Softmax", "SoftmaxCrossEntropy", "LossMeanPartials", "LossMeanTotal",
             "LogitsWeightGradient", "LogitsBiasGradient", "LogitsInputGradient", "HiddenDropoutBackward", "HiddenReLUBackward", "HiddenWeightGradient", "HiddenBiasGradient",
             "GlobalNormPartials", "GlobalNormTotal", "Update"],
            names);
        Assert.Same(shaders, ShadersOf(typeof(DeviceDropout)));
    }

    private static IEnumerable<Type> VulkanModels()
        => typeof(ShaderValidationTests).Assembly.GetTypes().Where(t => t.GetNestedType("Vulkan", BindingFlags.Public) is not null).OrderBy(t => t.Name);

    private static IReadOnlyList<ComputeShader> ShadersOf(Type model)
        => (IReadOnlyList<ComputeShader>)model.GetNestedType("Vulkan", BindingFlags.Public)!.GetProperty("Shaders", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static string Tool(string name)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(folder, name)))
                return Path.Combine(folder, name);
        throw new InvalidOperationException($"{name} is not installed (Debian: apt-get install glslang-tools spirv-tools); .ci/run installs it.");
    }

    private static void Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(tool)} {string.Join(' ', arguments)} failed:\n{output}");
    }
}
