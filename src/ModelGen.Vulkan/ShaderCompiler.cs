using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace ModelGen.Vulkan;

/// <summary>
/// HLSL → SPIR-V through glslang (<c>glslangValidator -D -V -S comp -e main</c>), cached by the SHA-256 of the source:
/// in memory for the process, and on disk (MODELGEN_SPIRV_CACHE, else a folder under the temp path), so a model's
/// shaders compile once per machine. glslang comes from the system (Debian: <c>apt-get install glslang-tools</c>);
/// MODELGEN_GLSLANG names another binary.
/// </summary>
public static class ShaderCompiler
{
    private static readonly ConcurrentDictionary<string, byte[]> s_compiled = new();

    /// <summary>The glslang binary used, or null when none is found.</summary>
    public static string? Glslang { get; } = FindTool(Environment.GetEnvironmentVariable("MODELGEN_GLSLANG"), "glslangValidator", "glslang");

    /// <summary>SPIR-V of <paramref name="shader"/>; throws <see cref="ShaderCompilationException"/> with glslang's messages when it does not compile.</summary>
    public static byte[] Compile(ComputeShader shader)
    {
        ArgumentNullException.ThrowIfNull(shader);
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(shader.Source)));
        return s_compiled.GetOrAdd(key, static (key, shader) => CompileUncached(key, shader), shader);
    }

    private static byte[] CompileUncached(string key, ComputeShader shader)
    {
        string cache = Environment.GetEnvironmentVariable("MODELGEN_SPIRV_CACHE") is { Length: > 0 } folder ? folder : Path.Combine(Path.GetTempPath(), "modelgen-spirv");
        string cached = Path.Combine(cache, key + ".spv");
        if (File.Exists(cached))
            return File.ReadAllBytes(cached);
        if (Glslang is null)
            throw new VulkanUnavailableException("glslang is needed to compile the model's HLSL shaders to SPIR-V and was not found (on Debian: apt-get install glslang-tools; or set MODELGEN_GLSLANG)");

        Directory.CreateDirectory(cache);
        string source = Path.Combine(cache, $"{key}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.hlsl");
        string output = source[..^".hlsl".Length] + ".spv";
        File.WriteAllText(source, shader.Source);
        try
        {
            var start = new ProcessStartInfo(Glslang)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[] { "-D", "-V", "-S", "comp", "-e", "main", "--target-env", "vulkan1.1", source, "-o", output })
                start.ArgumentList.Add(argument);
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {Glslang}");
            string messages = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !File.Exists(output))
                throw new ShaderCompilationException(shader.Name, messages.Replace(source, shader.Name + ".hlsl"));
            byte[] spirv = File.ReadAllBytes(output);
            // Another process may have written the same file meanwhile: same key, same bytes, so the last move wins harmlessly.
            File.Move(output, cached, overwrite: true);
            return spirv;
        }
        finally
        {
            File.Delete(source);
            File.Delete(output);
        }
    }

    private static string? FindTool(string? explicitPath, params string[] names)
    {
        if (!string.IsNullOrEmpty(explicitPath))
            return File.Exists(explicitPath) ? explicitPath : null;
        string[] folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in names)
            foreach (string folder in folders)
                foreach (string candidate in new[] { Path.Combine(folder, name), Path.Combine(folder, name + ".exe") })
                    if (File.Exists(candidate))
                        return candidate;
        return null;
    }
}

/// <summary>An emitted shader that glslang rejected: a generator bug, with glslang's messages.</summary>
public sealed class ShaderCompilationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ShaderCompilationException(string shader, string messages) : base($"The HLSL shader '{shader}' did not compile to SPIR-V:\n{messages}")
    {
        Shader = shader;
    }

    /// <summary>The shader's name.</summary>
    public string Shader { get; }
}
