using System.Numerics;

namespace ModelGen;

/// <summary>Thrown by models declared <c>[CheckFinite]</c> at the first step that produces NaN or ±∞.</summary>
public sealed class NonFiniteException : ArithmeticException
{
    /// <summary>Created by <see cref="FiniteCheck"/>.</summary>
    public NonFiniteException(string model, string layer, string step, string message) : base(message)
    {
        Model = model; Layer = layer; Step = step;
    }

    /// <summary>The model class.</summary>
    public string Model { get; }
    /// <summary>The layer whose step produced the value (or the loss).</summary>
    public string Layer { get; }
    /// <summary>What was computed: "forward", "loss", "∂loss/∂input", "∂loss/∂weights"…</summary>
    public string Step { get; }
}

/// <summary>The checks <c>[CheckFinite]</c> models run after each generated step.</summary>
public static class FiniteCheck
{
    /// <summary>Throws if any element of a [rows × width] buffer is not finite, naming the first one.</summary>
    public static void Values<T>(ReadOnlySpan<T> values, int width, string model, string layer, string step, string rowName)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int index = InputGuard.FirstNonFinite(values);
        if (index >= 0)
            throw new NonFiniteException(model, layer, step,
                $"{model}: {step} of layer '{layer}' produced {InputGuard.Describe(values[index])} at {rowName} {index / width}, column {index % width} (the first non-finite value; [CheckFinite] stopped the step before any parameter changed).");
    }

    /// <summary>Throws if the loss is not finite.</summary>
    public static void Loss<T>(T loss, string model, string outputLayer) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!T.IsFinite(loss))
            throw new NonFiniteException(model, outputLayer, "loss",
                $"{model}: the loss on output layer '{outputLayer}' is {InputGuard.Describe(loss)} although every forward value was finite ([CheckFinite] stopped the step before any parameter changed).");
    }
}
