using System.Globalization;
using ModelGen.Training;

namespace ModelGen.Data;

/// <summary>
/// Features and targets from CSV: one sample per line, numbers in the invariant culture, comma-separated; an optional
/// header line names the columns. A malformed row is an error that names the file, the line and the column.
/// </summary>
public static class CsvFile
{
    /// <summary>
    /// Features and a class label per line: the label is column <paramref name="labelColumn"/> (an integer ≥ 0), every
    /// other column a feature.
    /// </summary>
    public static Dataset<float, int> ReadClassification(string path, int labelColumn, bool hasHeader = true)
    {
        var features = new List<float>();
        var labels = new List<int>();
        int width = Read(path, hasHeader, labelColumn, 2, (cells, line) =>
        {
            for (int column = 0; column < cells.Length; column++)
            {
                if (column != labelColumn)
                {
                    features.Add(Number(cells[column], path, line, column));
                    continue;
                }
                float label = Number(cells[column], path, line, column);
                if (label < 0 || label != MathF.Floor(label))
                    throw new FormatException($"{path} line {line}, column {column + 1}: the label '{cells[column].Trim()}' is not a class index (an integer ≥ 0).");
                labels.Add((int)label);
            }
        });
        return new Dataset<float, int>(features.ToArray(), labels.ToArray(), width - 1, 1);
    }

    /// <summary>Features and float targets per line: the last <paramref name="targetColumns"/> columns are the targets, the rest features.</summary>
    public static Dataset<float, float> ReadRegression(string path, int targetColumns = 1, bool hasHeader = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetColumns);
        var features = new List<float>();
        var targets = new List<float>();
        int width = Read(path, hasHeader, -1, targetColumns + 1, (cells, line) =>
        {
            for (int column = 0; column < cells.Length; column++)
                (column < cells.Length - targetColumns ? features : targets).Add(Number(cells[column], path, line, column));
        });
        return new Dataset<float, float>(features.ToArray(), targets.ToArray(), width - targetColumns, targetColumns);
    }

    /// <summary>Reads every data line, checking that each has as many cells as the first; returns that width.</summary>
    private static int Read(string path, bool hasHeader, int labelColumn, int minimumWidth, Action<string[], int> row)
    {
        int width = -1, line = 0;
        foreach (string text in File.ReadLines(path))
        {
            line++;
            if (text.Length == 0 || (hasHeader && line == 1))
                continue;
            string[] cells = text.Split(',');
            if (width < 0)
            {
                width = cells.Length;
                if (width < minimumWidth || labelColumn >= width)
                    throw new FormatException($"{path} line {line}: {width} columns, too few for {(labelColumn >= 0 ? $"a label in column {labelColumn + 1}" : $"{minimumWidth - 1} target column(s)")} and at least one feature.");
            }
            else if (cells.Length != width)
                throw new FormatException($"{path} line {line}: {cells.Length} columns, where the first data line has {width}.");
            row(cells, line);
        }
        if (width < 0)
            throw new FormatException($"{path}: no data lines.");
        return width;
    }

    private static float Number(string cell, string path, int line, int column)
    {
        if (!float.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out float value))
            throw new FormatException($"{path} line {line}, column {column + 1}: '{cell.Trim()}' is not a number.");
        if (!float.IsFinite(value))
            throw new FormatException($"{path} line {line}, column {column + 1}: '{cell.Trim()}' is not finite.");
        return value;
    }
}
