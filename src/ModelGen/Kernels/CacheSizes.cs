namespace ModelGen.Kernels;

/// <summary>
/// The per-core data cache sizes the GEMM blocks for, as the OS reports them (Linux sysfs); typical sizes where it
/// reports none (32 KB L1d, 512 KB L2). <c>MODELGEN_L1D</c> and <c>MODELGEN_L2</c> (bytes) override them for tuning.
/// </summary>
internal static class CacheSizes
{
    public static readonly int Level1 = Read("MODELGEN_L1D", level: 1, fallback: 32 * 1024);
    public static readonly int Level2 = Read("MODELGEN_L2", level: 2, fallback: 512 * 1024);

    private static int Read(string overrideVariable, int level, int fallback)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable(overrideVariable), out int forced) && forced >= 4096)
            return forced;
        try
        {
            const string root = "/sys/devices/system/cpu/cpu0/cache";
            if (!Directory.Exists(root))
                return fallback;
            foreach (string index in Directory.EnumerateDirectories(root, "index*"))
            {
                string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                if (File.ReadAllText(Path.Combine(index, "level")).Trim() != level.ToString() || type is not ("Data" or "Unified"))
                    continue;
                string size = File.ReadAllText(Path.Combine(index, "size")).Trim(); // e.g. "32K", "1024K", "2M"
                int factor = size.EndsWith('K') ? 1024 : size.EndsWith('M') ? 1024 * 1024 : 1;
                if (int.TryParse(size.TrimEnd('K', 'M'), out int value) && value > 0)
                    return Math.Clamp(value * factor, 4096, 64 * 1024 * 1024);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return fallback;
    }
}
