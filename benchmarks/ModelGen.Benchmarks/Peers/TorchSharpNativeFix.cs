using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ModelGen.Benchmarks.Peers;

/// <summary>
/// TorchSharp-cpu 0.107.0's glue library libLibTorchSharp.so needs GLIBCXX_3.4.32 (GCC 13) for one symbol,
/// <c>std::ios_base_library_init()</c>; Debian 12 ships GCC 12. When — and only when — the loader reports that
/// missing version, this patches the library in the build output: the symbol loses its version, the
/// GLIBCXX_3.4.32 requirement becomes weak (VER_FLG_WEAK), and a small shim defining the symbol (built beside it, found through the
/// library's existing $ORIGIN run path) is added as
/// a needed library. Needs patchelf and g++ (installed with apt-get when missing and running as root).
/// </summary>
public static class TorchSharpNativeFix
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const string Symbol = "_ZSt21ios_base_library_initv";

    /// <summary>Makes libLibTorchSharp.so loadable; returns a line describing what was done.</summary>
    public static string EnsureLoadable()
    {
        if (!OperatingSystem.IsLinux())
            return "TorchSharp: not Linux, nothing to patch";
        string directory = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");
        string glue = Path.Combine(directory, "libLibTorchSharp.so");
        if (!File.Exists(glue))
            return $"TorchSharp: {glue} not found";
        string? error = TryLoad(glue);
        if (error is null)
            return "TorchSharp: native library loads as shipped";
        if (!error.Contains(MissingVersion, StringComparison.Ordinal))
            throw new InvalidOperationException($"TorchSharp's native library does not load, for a reason this fix does not cover: {error}");

        EnsureTool("patchelf", "patchelf");
        EnsureTool("g++", "g++");
        string shimSource = Path.Combine(directory, "ios_base_library_init_shim.cpp");
        string shim = Path.Combine(directory, "libios_base_library_init_shim.so");
        File.WriteAllText(shimSource, "#include <ios>\nnamespace std { void ios_base_library_init() { static ios_base::Init init; } }\n");
        Run("g++", "-shared", "-fPIC", "-O2", "-o", shim, shimSource);
        Run("patchelf", "--clear-symbol-version", Symbol, glue);
        MarkVersionWeak(glue, MissingVersion);
        Run("patchelf", "--add-needed", Path.GetFileName(shim), glue);

        error = TryLoad(glue);
        if (error is not null)
            throw new InvalidOperationException($"Patched {glue}, but it still does not load: {error}");
        return $"TorchSharp: patched {glue} for {MissingVersion} (weak version, shim {Path.GetFileName(shim)})";
    }

    private static string? TryLoad(string path)
    {
        try
        {
            NativeLibrary.Free(NativeLibrary.Load(path));
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
    }

    /// <summary>Sets VER_FLG_WEAK on the named entry of the ELF64 .gnu.version_r section, in place.</summary>
    internal static void MarkVersionWeak(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidOperationException($"{path} is not a little-endian ELF64 file");
        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3A));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        for (int s = 0; s < count; s++)
        {
            Span<byte> header = elf.AsSpan((int)sectionTable + s * entrySize, entrySize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != 0x6ffffffe) // SHT_GNU_verneed
                continue;
            int offset = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            int strings = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan((int)sectionTable + link * entrySize + 0x18));
            for (int need = offset; ;)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(need + 2));
                int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(need + 8));
                for (int a = 0; a < auxCount; a++)
                {
                    int name = strings + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 8));
                    int end = Array.IndexOf(elf, (byte)0, name);
                    if (System.Text.Encoding.ASCII.GetString(elf, name, end - name) == version)
                    {
                        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(aux + 4));
                        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(aux + 4), (ushort)(flags | 2)); // VER_FLG_WEAK
                        File.WriteAllBytes(path, elf);
                        return;
                    }
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 12));
                }
                uint next = BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(need + 12));
                if (next == 0) break;
                need += (int)next;
            }
        }
        throw new InvalidOperationException($"{path} has no {version} entry in .gnu.version_r");
    }

    private static void EnsureTool(string tool, string package)
    {
        if (Which(tool))
            return;
        Console.WriteLine($"TorchSharp fix: installing {package} with apt-get");
        Run("apt-get", "update", "-qq");
        Run("apt-get", "install", "-y", "-qq", package);
    }

    private static bool Which(string tool) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, tool)));

    private static void Run(string file, params string[] arguments)
    {
        using Process process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd() + error.Result;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"'{file} {string.Join(' ', arguments)}' failed ({process.ExitCode}): {output}");
    }
}
