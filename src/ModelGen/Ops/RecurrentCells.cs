using System.Numerics;
using System.Runtime.CompilerServices;
using ModelGen.Simd;
using static ModelGen.Ops.RecurrentOp;

namespace ModelGen.Ops;

/// <summary>
/// LSTM (PyTorch's nn.LSTM; gate blocks i, f, g, o):
///   i = σ(aᵢ), f = σ(a_f), g = tanh(a_g), o = σ(a_o) with a = x·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh
///   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
/// The cell path c_{t−1} → c_t is multiplied only by f, which is why gradients survive many steps when f ≈ 1.
/// </summary>
public readonly struct LstmCell : IRecurrentCell
{
    /// <inheritdoc/>
    public static int GateCount => 4;
    /// <inheritdoc/>
    public static bool SeparateHiddenGateGradient => false;
    /// <inheritdoc/>
    public static bool KeepsCell => true;

    /// <inheritdoc/>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> gates, ReadOnlySpan<T> recurrent, ReadOnlySpan<T> hiddenBias,
        ReadOnlySpan<T> previousCell, Span<T> cell, ReadOnlySpan<T> previousHidden, Span<T> hidden, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new ForwardKernel<T>(input, gates, recurrent, previousCell, cell, hidden, units);
        Vectorized.Run<T, ForwardKernel<T>>(ref kernel, units);
    }

    /// <inheritdoc/>
    public static void Backward<T>(ReadOnlySpan<T> hiddenGradient, ReadOnlySpan<T> gates, ReadOnlySpan<T> cell, ReadOnlySpan<T> previousCell,
        ReadOnlySpan<T> previousHidden, ReadOnlySpan<T> hidden, Span<T> inputGateGradient, Span<T> hiddenGateGradient, Span<T> cellCarry,
        Span<T> previousHiddenGradient, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new BackwardKernel<T>(hiddenGradient, gates, cell, previousCell, inputGateGradient, cellCarry, units);
        Vectorized.Run<T, BackwardKernel<T>>(ref kernel, units);
    }

    private readonly ref struct ForwardKernel<T>(ReadOnlySpan<T> input, Span<T> gates, ReadOnlySpan<T> recurrent, ReadOnlySpan<T> previousCell, Span<T> cell,
        Span<T> hidden, int units) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _gates = gates, _cell = cell, _hidden = hidden;
        private readonly ReadOnlySpan<T> _input = input, _recurrent = recurrent, _previousCell = previousCell;

        // Compiled on its own for each width: inlined into Vectorized.Run beside its other three widths, the kernel used up
        // the JIT's inlining budget and its σ and tanh stayed calls, passing vectors through the stack (an LSTM forward
        // sweep, batch 32, 64 steps, two Zen 4 cores: 690 → 500 µs).
        // Two vectors of units at a time, each gate's two nonlinearities side by side: one σ or tanh is a chain of a dozen
        // dependent operations, and two independent chains in program order keep both FMA ports busy where one left
        // them waiting (one Xeon core, a 16-unit vector: 31 → 26 ns). An odd last vector pairs with itself: every load
        // of a pair comes before its stores, so a vector done twice is written twice with the same values.
        [MethodImpl(MethodImplOptions.NoInlining)]
        public int Run<TVector, TOps>(int j, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            while (j + TOps.Count <= length)
            {
                int k = j + 2 * TOps.Count <= length ? j + TOps.Count : j;
                TVector i = Sigmoid<T, TVector, TOps>(PreActivation<TVector, TOps>(j)), i2 = Sigmoid<T, TVector, TOps>(PreActivation<TVector, TOps>(k));
                TVector f = Sigmoid<T, TVector, TOps>(PreActivation<TVector, TOps>(units + j)), f2 = Sigmoid<T, TVector, TOps>(PreActivation<TVector, TOps>(units + k));
                TVector g = Tanh<T, TVector, TOps>(PreActivation<TVector, TOps>(2 * units + j)), g2 = Tanh<T, TVector, TOps>(PreActivation<TVector, TOps>(2 * units + k));
                TVector o = Sigmoid<T, TVector, TOps>(PreActivation<TVector, TOps>(3 * units + j)), o2 = Sigmoid<T, TVector, TOps>(PreActivation<TVector, TOps>(3 * units + k));
                TVector c = TOps.MultiplyAdd(f, LoadOrZero<T, TVector, TOps>(_previousCell, j), TOps.Multiply(i, g));
                TVector c2 = TOps.MultiplyAdd(f2, LoadOrZero<T, TVector, TOps>(_previousCell, k), TOps.Multiply(i2, g2));
                TVector h = TOps.Multiply(o, Tanh<T, TVector, TOps>(c)), h2 = TOps.Multiply(o2, Tanh<T, TVector, TOps>(c2));
                StoreStep<TVector, TOps>(j, i, f, g, o, c, h);
                StoreStep<TVector, TOps>(k, i2, f2, g2, o2, c2, h2);
                j = k + TOps.Count;
            }
            return j;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void StoreStep<TVector, TOps>(int j, TVector i, TVector f, TVector g, TVector o, TVector c, TVector h) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            Store<T, TVector, TOps>(i, _gates, j);
            Store<T, TVector, TOps>(f, _gates, units + j);
            Store<T, TVector, TOps>(g, _gates, 2 * units + j);
            Store<T, TVector, TOps>(o, _gates, 3 * units + j);
            Store<T, TVector, TOps>(c, _cell, j);
            Store<T, TVector, TOps>(h, _hidden, j);
        }

        private TVector PreActivation<TVector, TOps>(int k) where TVector : struct where TOps : IVectorOps<T, TVector>
            => TOps.Add(Load<T, TVector, TOps>(_input, k), LoadOrZero<T, TVector, TOps>(_recurrent, k));
    }

    // dc = carry + dh ⊙ o ⊙ (1 − tanh²c);  do = dh ⊙ tanh c;  di = dc ⊙ g;  dg = dc ⊙ i;  df = dc ⊙ c_{t−1};  carry ← dc ⊙ f;
    // then through the gate nonlinearities: σ′ = y(1 − y), tanh′ = 1 − y².
    private readonly ref struct BackwardKernel<T>(ReadOnlySpan<T> hiddenGradient, ReadOnlySpan<T> gates, ReadOnlySpan<T> cell,
        ReadOnlySpan<T> previousCell, Span<T> gateGradient, Span<T> cellCarry, int units) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _hiddenGradient = hiddenGradient, _gates = gates, _cell = cell, _previousCell = previousCell;
        private readonly Span<T> _gateGradient = gateGradient, _cellCarry = cellCarry;

        // Reads a vector's gates before writing its gradients: the gradients may be written over the gates
        // (RecurrentOp.BackwardThroughTime).
        [MethodImpl(MethodImplOptions.NoInlining)] // see LstmCell.ForwardKernel.Run
        public int Run<TVector, TOps>(int j, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            for (; j + TOps.Count <= length; j += TOps.Count)
            {
                TVector dh = Load<T, TVector, TOps>(_hiddenGradient, j);
                TVector i = Load<T, TVector, TOps>(_gates, j);
                TVector f = Load<T, TVector, TOps>(_gates, units + j);
                TVector g = Load<T, TVector, TOps>(_gates, 2 * units + j);
                TVector o = Load<T, TVector, TOps>(_gates, 3 * units + j);
                TVector tanhC = Tanh<T, TVector, TOps>(Load<T, TVector, TOps>(_cell, j));
                TVector dc = TOps.MultiplyAdd(TOps.Multiply(dh, o), TOps.Subtract(TOps.One, TOps.Multiply(tanhC, tanhC)), Load<T, TVector, TOps>(_cellCarry, j));
                TVector dOut = TOps.Multiply(dh, tanhC);
                Store<T, TVector, TOps>(TOps.Multiply(TOps.Multiply(dc, g), TOps.Multiply(i, TOps.Subtract(TOps.One, i))), _gateGradient, j);
                Store<T, TVector, TOps>(TOps.Multiply(TOps.Multiply(dc, LoadOrZero<T, TVector, TOps>(_previousCell, j)), TOps.Multiply(f, TOps.Subtract(TOps.One, f))), _gateGradient, units + j);
                Store<T, TVector, TOps>(TOps.Multiply(TOps.Multiply(dc, i), TOps.Subtract(TOps.One, TOps.Multiply(g, g))), _gateGradient, 2 * units + j);
                Store<T, TVector, TOps>(TOps.Multiply(dOut, TOps.Multiply(o, TOps.Subtract(TOps.One, o))), _gateGradient, 3 * units + j);
                Store<T, TVector, TOps>(TOps.Multiply(dc, f), _cellCarry, j);
            }
            return j;
        }
    }
}

/// <summary>
/// GRU (PyTorch's nn.GRU; gate blocks r, z, n):
///   r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr),  z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz)
///   n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
/// The reset gate multiplies the hidden side of the candidate only, so that block's x-side and h-side gradients differ.
/// </summary>
public readonly struct GruCell : IRecurrentCell
{
    /// <inheritdoc/>
    public static int GateCount => 3;
    /// <inheritdoc/>
    public static bool SeparateHiddenGateGradient => true;
    /// <inheritdoc/>
    public static bool KeepsCell => true;

    /// <summary>b_ih + b_hh for r and z; b_in alone for the candidate, whose b_hn the reset gate multiplies.</summary>
    public static void StepBias<T>(ReadOnlySpan<T> inputBias, ReadOnlySpan<T> hiddenBias, Span<T> bias, int units)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        System.Numerics.Tensors.TensorPrimitives.Add(inputBias[..(2 * units)], hiddenBias[..(2 * units)], bias);
        inputBias.Slice(2 * units, units).CopyTo(bias[(2 * units)..]);
    }

    /// <inheritdoc/>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> gates, ReadOnlySpan<T> recurrent, ReadOnlySpan<T> hiddenBias,
        ReadOnlySpan<T> previousCell, Span<T> cell, ReadOnlySpan<T> previousHidden, Span<T> hidden, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new ForwardKernel<T>(input, gates, recurrent, hiddenBias, cell, previousHidden, hidden, units);
        Vectorized.Run<T, ForwardKernel<T>>(ref kernel, units);
    }

    /// <inheritdoc/>
    public static void Backward<T>(ReadOnlySpan<T> hiddenGradient, ReadOnlySpan<T> gates, ReadOnlySpan<T> cell, ReadOnlySpan<T> previousCell,
        ReadOnlySpan<T> previousHidden, ReadOnlySpan<T> hidden, Span<T> inputGateGradient, Span<T> hiddenGateGradient, Span<T> cellCarry,
        Span<T> previousHiddenGradient, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new BackwardKernel<T>(hiddenGradient, gates, cell, previousHidden, inputGateGradient, hiddenGateGradient, previousHiddenGradient, units);
        Vectorized.Run<T, BackwardKernel<T>>(ref kernel, units);
    }

    // cell keeps hn = h·W_hnᵀ + b_hn, the reset gate's operand, for backward.
    private readonly ref struct ForwardKernel<T>(ReadOnlySpan<T> input, Span<T> gates, ReadOnlySpan<T> recurrent, ReadOnlySpan<T> hiddenBias,
        Span<T> cell, ReadOnlySpan<T> previousHidden, Span<T> hidden, int units) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly Span<T> _gates = gates, _cell = cell, _hidden = hidden;
        private readonly ReadOnlySpan<T> _input = input, _recurrent = recurrent, _hiddenBias = hiddenBias, _previousHidden = previousHidden;

        [MethodImpl(MethodImplOptions.NoInlining)] // see LstmCell.ForwardKernel.Run
        public int Run<TVector, TOps>(int j, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            for (; j + TOps.Count <= length; j += TOps.Count)
            {
                TVector r = Sigmoid<T, TVector, TOps>(TOps.Add(Load<T, TVector, TOps>(_input, j), LoadOrZero<T, TVector, TOps>(_recurrent, j)));
                TVector z = Sigmoid<T, TVector, TOps>(TOps.Add(Load<T, TVector, TOps>(_input, units + j), LoadOrZero<T, TVector, TOps>(_recurrent, units + j)));
                TVector hn = TOps.Add(LoadOrZero<T, TVector, TOps>(_recurrent, 2 * units + j), Load<T, TVector, TOps>(_hiddenBias, 2 * units + j));
                TVector n = Tanh<T, TVector, TOps>(TOps.MultiplyAdd(r, hn, Load<T, TVector, TOps>(_input, 2 * units + j)));
                TVector previous = LoadOrZero<T, TVector, TOps>(_previousHidden, j);
                Store<T, TVector, TOps>(r, _gates, j);
                Store<T, TVector, TOps>(z, _gates, units + j);
                Store<T, TVector, TOps>(n, _gates, 2 * units + j);
                Store<T, TVector, TOps>(hn, _cell, j);
                Store<T, TVector, TOps>(TOps.MultiplyAdd(z, TOps.Subtract(previous, n), n), _hidden, j);
            }
            return j;
        }
    }

    // dn = dh ⊙ (1 − z);  dz = dh ⊙ (h_{t−1} − n);  da_n = dn ⊙ (1 − n²);  dr = da_n ⊙ hn;  dh_{t−1} += dh ⊙ z (direct path);
    // x-side gradients (da_r, da_z, da_n), h-side (da_r, da_z, da_n ⊙ r). A vector's gates are read before its x-side
    // gradients are written: those may be written over the gates (RecurrentOp.BackwardThroughTime).
    private readonly ref struct BackwardKernel<T>(ReadOnlySpan<T> hiddenGradient, ReadOnlySpan<T> gates, ReadOnlySpan<T> cell,
        ReadOnlySpan<T> previousHidden, Span<T> inputGateGradient, Span<T> hiddenGateGradient, Span<T> previousHiddenGradient, int units) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _hiddenGradient = hiddenGradient, _gates = gates, _cell = cell, _previousHidden = previousHidden;
        private readonly Span<T> _inputGateGradient = inputGateGradient, _hiddenGateGradient = hiddenGateGradient, _previousHiddenGradient = previousHiddenGradient;

        [MethodImpl(MethodImplOptions.NoInlining)] // see LstmCell.ForwardKernel.Run
        public int Run<TVector, TOps>(int j, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            for (; j + TOps.Count <= length; j += TOps.Count)
            {
                TVector dh = Load<T, TVector, TOps>(_hiddenGradient, j);
                TVector r = Load<T, TVector, TOps>(_gates, j);
                TVector z = Load<T, TVector, TOps>(_gates, units + j);
                TVector n = Load<T, TVector, TOps>(_gates, 2 * units + j);
                TVector previous = LoadOrZero<T, TVector, TOps>(_previousHidden, j);
                TVector dan = TOps.Multiply(TOps.Multiply(dh, TOps.Subtract(TOps.One, z)), TOps.Subtract(TOps.One, TOps.Multiply(n, n)));
                TVector dar = TOps.Multiply(TOps.Multiply(dan, Load<T, TVector, TOps>(_cell, j)), TOps.Multiply(r, TOps.Subtract(TOps.One, r)));
                TVector daz = TOps.Multiply(TOps.Multiply(dh, TOps.Subtract(previous, n)), TOps.Multiply(z, TOps.Subtract(TOps.One, z)));
                Store<T, TVector, TOps>(dar, _inputGateGradient, j);
                Store<T, TVector, TOps>(daz, _inputGateGradient, units + j);
                Store<T, TVector, TOps>(dan, _inputGateGradient, 2 * units + j);
                Store<T, TVector, TOps>(dar, _hiddenGateGradient, j);
                Store<T, TVector, TOps>(daz, _hiddenGateGradient, units + j);
                Store<T, TVector, TOps>(TOps.Multiply(dan, r), _hiddenGateGradient, 2 * units + j);
                if (!_previousHiddenGradient.IsEmpty)
                    Store<T, TVector, TOps>(TOps.MultiplyAdd(dh, z, Load<T, TVector, TOps>(_previousHiddenGradient, j)), _previousHiddenGradient, j);
            }
            return j;
        }
    }
}

/// <summary>
/// Elman RNN (PyTorch's nn.RNN): h_t = f(x·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), f tanh or ReLU (any
/// <see cref="IActivation"/> whose derivative follows from its output). Every step multiplies the gradient by W_hh and f′,
/// so it vanishes or explodes over long spans: clip it.
/// </summary>
public readonly struct SimpleRnnCell<TActivation> : IRecurrentCell where TActivation : IActivation
{
    /// <inheritdoc/>
    public static int GateCount => 1;
    /// <inheritdoc/>
    public static bool SeparateHiddenGateGradient => false;
    /// <inheritdoc/>
    public static bool KeepsCell => false;

    /// <inheritdoc/>
    public static void Forward<T>(ReadOnlySpan<T> input, Span<T> gates, ReadOnlySpan<T> recurrent, ReadOnlySpan<T> hiddenBias,
        ReadOnlySpan<T> previousCell, Span<T> cell, ReadOnlySpan<T> previousHidden, Span<T> hidden, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var kernel = new PreActivationKernel<T>(input, recurrent, hidden);
        Vectorized.Run<T, PreActivationKernel<T>>(ref kernel, units);
        Activation<TActivation>.Forward(hidden[..units], negativeSlope);
    }

    /// <inheritdoc/>
    public static void Backward<T>(ReadOnlySpan<T> hiddenGradient, ReadOnlySpan<T> gates, ReadOnlySpan<T> cell, ReadOnlySpan<T> previousCell,
        ReadOnlySpan<T> previousHidden, ReadOnlySpan<T> hidden, Span<T> inputGateGradient, Span<T> hiddenGateGradient, Span<T> cellCarry,
        Span<T> previousHiddenGradient, int units, T negativeSlope)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Activation<TActivation>.Backward(hidden[..units], hiddenGradient[..units], inputGateGradient[..units], negativeSlope);

    private readonly ref struct PreActivationKernel<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> recurrent, Span<T> hidden) : IVectorKernel<T>
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private readonly ReadOnlySpan<T> _input = input, _recurrent = recurrent;
        private readonly Span<T> _hidden = hidden;

        public int Run<TVector, TOps>(int j, int length) where TVector : struct where TOps : IVectorOps<T, TVector>
        {
            for (; j + TOps.Count <= length; j += TOps.Count)
                Store<T, TVector, TOps>(TOps.Add(Load<T, TVector, TOps>(_input, j), LoadOrZero<T, TVector, TOps>(_recurrent, j)), _hidden, j);
            return j;
        }
    }
}
