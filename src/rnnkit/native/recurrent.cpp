// Whole-sequence forward and backward-through-time for the built-in cells (SimpleRNN, LSTM, GRU).
//
// One call runs the loop over time in C++: per step one matrix product (a plain loop for small ones,
// ATen/MKL for large ones) and one fused loop over the B x H gate values, instead of a dozen PyTorch
// operators and autograd nodes per step. The math is that of rnnkit/nn/functional.py, in PyTorch's gate order
// (LSTM i, f, g, o; GRU r, z, n) and weight layout (w_ih (G*H, F), w_hh (G*H, H)).
//
// Layout inside: time-major buffers (T, B, .) so the slice of a step is contiguous.
//   x (B, T, F) batch-first in and out; the input projection of all steps is one product up front, and
//   the weight gradients are one product each at the end: dW_hh = sum_t dG_t^T h_{t-1}. Each forward
//   returns its time-major copy of x last, and the backward takes that copy (x_tm) instead of x.
// The Python side (rnnkit/native/__init__.py) wraps each pair in a torch.autograd.Function.

#include "recurrent.h"

#include "fast_math.h"

#include <ATen/Parallel.h>
#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

using rnnkit_native::sigmoid;
using rnnkit_native::tanh_;

// The element loops below take distinct __restrict pointers per gate block, so the compiler vectorises
// them (checked with -fopt-info-vec); one loop per block of a row.
template <typename T> inline void sigmoid_rows(T* __restrict p, int64_t n) {
  for (int64_t j = 0; j < n; ++j) p[j] = sigmoid(p[j]);
}
template <typename T> inline void tanh_rows(T* __restrict p, int64_t n) {
  for (int64_t j = 0; j < n; ++j) p[j] = tanh_(p[j]);
}

template <typename T>
inline void lstm_cell(const T* __restrict i, const T* __restrict f, const T* __restrict g, const T* __restrict o,
                      const T* __restrict c_prev, T* __restrict c, T* __restrict h, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    c[j] = f[j] * c_prev[j] + i[j] * g[j];
    h[j] = o[j] * tanh_(c[j]);
  }
}

template <typename T>
inline void lstm_cell_grad(const T* __restrict i, const T* __restrict f, const T* __restrict g, const T* __restrict o,
                           const T* __restrict c, const T* __restrict c_prev, const T* __restrict grad_h,
                           const T* __restrict dh_next, T* __restrict dc, T* __restrict di, T* __restrict df,
                           T* __restrict dg, T* __restrict d_o, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const T tc = tanh_(c[j]);
    const T dh = grad_h[j] + dh_next[j];
    const T dcj = dc[j] + dh * o[j] * (T(1) - tc * tc);
    di[j] = dcj * g[j] * i[j] * (T(1) - i[j]);
    df[j] = dcj * c_prev[j] * f[j] * (T(1) - f[j]);
    dg[j] = dcj * i[j] * (T(1) - g[j] * g[j]);
    d_o[j] = dh * tc * o[j] * (T(1) - o[j]);
    dc[j] = dcj * f[j];
  }
}

// r, z = sigma(ax + ah) written over ax's r, z blocks; n = tanh(ax_n + r * ah_n); h = n + z (h_prev - n)
template <typename T>
inline void gru_gates_row(T* __restrict ax, const T* __restrict ah, T* __restrict nx, const T* __restrict nh,
                          const T* __restrict h_prev, T* __restrict h, int64_t H) {
  for (int64_t j = 0; j < 2 * H; ++j) ax[j] = sigmoid(ax[j] + ah[j]);
  for (int64_t j = 0; j < H; ++j) {
    const T n = tanh_(nx[j] + ax[j] * nh[j]);
    nx[j] = n;
    h[j] = n + ax[H + j] * (h_prev[j] - n);
  }
}

template <typename T>
inline void gru_grad_row(const T* __restrict r, const T* __restrict z, const T* __restrict n, const T* __restrict nh,
                         const T* __restrict h_prev, const T* __restrict grad_h, T* __restrict dh,
                         T* __restrict dxr, T* __restrict dxz, T* __restrict dxn, T* __restrict dqr,
                         T* __restrict dqz, T* __restrict dqn, int64_t H) {
  for (int64_t j = 0; j < H; ++j) {
    const T d = grad_h[j] + dh[j];
    const T dn = d * (T(1) - z[j]) * (T(1) - n[j] * n[j]);
    const T dz = d * (h_prev[j] - n[j]) * z[j] * (T(1) - z[j]);
    const T dr = dn * nh[j] * r[j] * (T(1) - r[j]);
    dxr[j] = dr, dxz[j] = dz, dxn[j] = dn;
    dqr[j] = dr, dqz[j] = dz, dqn[j] = dn * r[j];
    dh[j] = d * z[j];
  }
}

// A contiguous copy of x (up to 3 dimensions, any strides, broadcast ones included) in one plain loop: at
// small sizes ATen's copy costs ~2 us of dispatch per call and the loop well under one. Large copies go to
// ATen, whose copy is vectorised and threaded (a (64, 200, 128) transpose: 1.0 ms in the loop, ~0.3 ms).
at::Tensor packed(const at::Tensor& x) {
  TORCH_CHECK(x.dim() <= 3, "packed: at most 3 dimensions");
  if (x.numel() >= (int64_t(1) << 16)) return x.clone(at::MemoryFormat::Contiguous);
  auto out = at::empty(x.sizes(), x.options());
  int64_t n[3] = {1, 1, 1}, s[3] = {0, 0, 0};
  for (int64_t d = 0; d < x.dim(); ++d) {
    n[3 - x.dim() + d] = x.size(d);
    s[3 - x.dim() + d] = x.stride(d);
  }
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "packed", [&] {
    const scalar_t* src = x.data_ptr<scalar_t>();
    scalar_t* dst = out.data_ptr<scalar_t>();
    for (int64_t i = 0; i < n[0]; ++i)
      for (int64_t j = 0; j < n[1]; ++j, dst += n[2]) {
        const scalar_t* row = src + i * s[0] + j * s[1];
        if (s[2] == 1) {
          std::copy(row, row + n[2], dst);
        } else {
          for (int64_t k = 0; k < n[2]; ++k) dst[k] = row[k * s[2]];
        }
      }
  });
  return out;
}

at::Tensor contiguous(const at::Tensor& x) { return x.is_contiguous() ? x : packed(x); }

at::Tensor time_major(const at::Tensor& x) { return contiguous(x.transpose(0, 1)); }

// One thread for a whole call when its products are small: handing MKL's work to a second OpenMP thread
// then costs more than the arithmetic, and on a busy 2-core machine the wait for that thread made the
// GRU backward of the Forecaster (~2.4M multiply-adds) 2-3x slower in some runs (measured: 172-177 us with
// one thread, 205-500 us with two). Larger calls keep every thread: from 2^22 multiply-adds on, each
// build in its own process, alternating, two threads were faster: SimpleRNN of 32 units, batch 64, 50 steps
// (6.5M) 0.60-0.63 against 0.86-0.94 ms forward + backward; GRU and LSTM at 32 units (20-26M) 1.54
// against 2.12 ms and 1.84 against 2.55 ms.
class ThreadsForSize {
 public:
  explicit ThreadsForSize(int64_t multiply_adds) : before_(at::get_num_threads()) {
    // inside a parallel region (a group of grouped_stack_gradients) everything already runs on one thread:
    // the process-wide setting is left alone
    single_ = multiply_adds < (int64_t(1) << 22) && before_ > 1 && !at::in_parallel_region();
    if (single_) at::set_num_threads(1);
  }
  ~ThreadsForSize() {
    if (single_) at::set_num_threads(before_);
  }

 private:
  int before_;
  bool single_;
};

// x (B, T, F) or time-major (T, B, F)
int64_t call_size(const at::Tensor& x, const at::Tensor& w_ih, const at::Tensor& w_hh) {
  return x.size(0) * x.size(1) * w_hh.size(0) * (w_ih.size(1) + w_hh.size(1));  // B T (G H) (F + H)
}

// The sum over rows of a contiguous (N, K) matrix: the bias gradients.
at::Tensor column_sums(const at::Tensor& m) {
  auto out = at::zeros({m.size(1)}, m.options());
  AT_DISPATCH_FLOATING_TYPES(m.scalar_type(), "column_sums", [&] {
    const int64_t N = m.size(0), K = m.size(1);
    const scalar_t* __restrict src = m.data_ptr<scalar_t>();
    scalar_t* __restrict sum = out.data_ptr<scalar_t>();
    for (int64_t i = 0; i < N; ++i)
      for (int64_t k = 0; k < K; ++k) sum[k] += src[i * K + k];
  });
  return out;
}

// out (B, J) += a (B, I) @ M (I, J), M row-major, a(r, i) = a[r * ars + i * ais] (so a may be a
// transposed view): the one product of each step, and the small whole-sequence ones. Small products run in
// the loops below (no operator dispatch); larger ones go to ATen's matrix product (MKL), where the
// arithmetic dominates. The loops hold a tile of R rows x 16 columns of `out` in registers for the whole
// sum over i: R independent chains of fused multiply-adds, each M value loaded once for R rows
// (R = 4 measured best on AVX-512: ~110 GFLOP/s on one core for 64 x 128 x 32).
template <typename T, int64_t R>
inline void product_rows(const T* a, int64_t ars, int64_t ais, const T* m, T* out, int64_t I, int64_t J) {
  constexpr int64_t kCols = 16;
  int64_t j0 = 0;
  for (; j0 + kCols <= J; j0 += kCols) {
    T acc[R][kCols];
    for (int64_t r = 0; r < R; ++r)
      for (int64_t j = 0; j < kCols; ++j) acc[r][j] = out[r * J + j0 + j];
    for (int64_t i = 0; i < I; ++i) {
      const T* __restrict row = m + i * J + j0;
      T v[R];
      for (int64_t r = 0; r < R; ++r) v[r] = a[r * ars + i * ais];
      for (int64_t j = 0; j < kCols; ++j) {
        const T w = row[j];
        for (int64_t r = 0; r < R; ++r) acc[r][j] += v[r] * w;
      }
    }
    for (int64_t r = 0; r < R; ++r)
      for (int64_t j = 0; j < kCols; ++j) out[r * J + j0 + j] = acc[r][j];
  }
  for (; j0 < J; ++j0)  // the columns left over
    for (int64_t r = 0; r < R; ++r) {
      T sum = out[r * J + j0];
      for (int64_t i = 0; i < I; ++i) sum += a[r * ars + i * ais] * m[i * J + j0];
      out[r * J + j0] = sum;
    }
}

template <typename T>
inline void small_product(const T* a, int64_t ars, int64_t ais, int64_t rows, const T* m, int64_t I, int64_t J,
                          T* out) {
  int64_t b = 0;
  // when M outgrows the L1 cache (the whole-sequence products: I = T * B), 8 rows per tile halve the
  // times it streams in from L2 (dW_hh at tutorial size: 16.7 -> 9.2 us); the per-step products keep 4
  if (I * J * static_cast<int64_t>(sizeof(T)) > (int64_t(1) << 14))
    for (; b + 8 <= rows; b += 8) product_rows<T, 8>(a + b * ars, ars, ais, m, out + b * J, I, J);
  for (; b + 4 <= rows; b += 4) product_rows<T, 4>(a + b * ars, ars, ais, m, out + b * J, I, J);
  for (; b < rows; ++b) product_rows<T, 1>(a + b * ars, ars, ais, m, out + b * J, I, J);
}

// a @ m (+ bias on every row) for the whole-sequence products (input projection, weight gradients): the
// loops above when the product is small (MKL's call and thread hand-offs would cost more than the
// arithmetic), else at::mm / at::addmm.
at::Tensor sequence_product(const at::Tensor& a, const at::Tensor& m, const at::Tensor& bias = at::Tensor()) {
  constexpr int64_t kSmallSequence = int64_t(1) << 21;  // multiply-adds
  // narrow results (fewer than 16 columns: one input feature, say) leave the loops' vector lanes idle
  if (a.size(0) * a.size(1) * m.size(1) > kSmallSequence || m.size(1) < 16)
    return bias.defined() ? at::addmm(bias, a, m) : at::mm(a, m);
  auto mc = contiguous(m);
  auto out = at::empty({a.size(0), m.size(1)}, a.options());
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "sequence_product", [&] {
    scalar_t* o = out.data_ptr<scalar_t>();
    const int64_t J = m.size(1);
    if (bias.defined()) {  // every row starts from the bias: no separate pass to add it
      const auto bc = contiguous(bias);
      const scalar_t* b = bc.data_ptr<scalar_t>();
      for (int64_t r = 0; r < a.size(0); ++r) std::copy(b, b + J, o + r * J);
    } else {
      std::fill(o, o + out.numel(), scalar_t(0));
    }
    small_product(a.data_ptr<scalar_t>(), a.stride(0), a.stride(1), a.size(0), mc.data_ptr<scalar_t>(), a.size(1), J,
                  o);
  });
  return out;
}

// out (rows, J) += a (rows, I) @ M (I, J) for the rows of one step that a thread owns (see each_row_block)
template <typename T> class StepProduct {
 public:
  explicit StepProduct(const at::Tensor& m) : m_(contiguous(m)), I_(m.size(0)), J_(m.size(1)) {}
  void accumulate(const T* a, T* out, int64_t rows) const {
    if (rows * I_ * J_ <= kSmall) {
      small_product(a, I_, 1, rows, m_.data_ptr<T>(), I_, J_, out);
      return;
    }
    auto opts = m_.options();
    auto at_a = at::from_blob(const_cast<T*>(a), {rows, I_}, opts);
    auto at_out = at::from_blob(out, {rows, J_}, opts);
    at_out.addmm_(at_a, m_);
  }

 private:
  // multiply-adds per step up to which the loops beat MKL (e.g. batch 64, LSTM of 32 units: 64 x 128 x 32);
  // measured with benchmarks/speed.py
  static constexpr int64_t kSmall = int64_t(1) << 19;
  at::Tensor m_;
  int64_t I_, J_;
};

// The loop over time for blocks of batch rows, one block per thread: row b's recurrence reads only row b of
// the previous state, so each thread runs every step for its rows with no hand-off between steps (one
// fork and join per call, not one per step's product). Calls that ThreadsForSize keeps on one thread run
// as one block; blocks hold at least 8 rows.
template <typename Run> void each_row_block(int64_t batch, Run run) {
  at::parallel_for(0, batch, 8, [&](int64_t begin, int64_t end) { run(begin, end); });
}

// W_ih x_t + b for every step at once: (T, B, F) -> (T, B, G*H), the start of every forward pass
at::Tensor input_projection(const at::Tensor& x_tm, const at::Tensor& w_ih, const at::Tensor& b) {
  const auto T = x_tm.size(0), B = x_tm.size(1);
  return sequence_product(x_tm.view({T * B, -1}), w_ih.t(), b).view({T, B, w_ih.size(0)});
}

// The gradients shared by every cell once the gradients of the gates' pre-activations are known: dGx
// for the input side (W_ih x + b_ih) and dGh for the recurrent side (W_hh h + b_hh), each (T, B, G*H);
// the same tensor for cells whose two sides add before any nonlinearity (all but the GRU's n gate).
// Returns the gradients w.r.t. x (undefined unless need_dx: the first layer's inputs need none), w_ih,
// w_hh, b_ih, b_hh (sums over steps). dW_hh = sum_t dGh_t^T h_{t-1} reads the states hs (T, B, H) in
// place: steps 1.. pair with hs shifted by one step (B rows), and step 0 with h0, added after.
std::vector<at::Tensor> projection_grads(const at::Tensor& dGx, const at::Tensor& dGh, const at::Tensor& x_tm,
                                         const at::Tensor& h0, const at::Tensor& hs, const at::Tensor& w_ih,
                                         bool need_dx) {
  const auto T = dGx.size(0), B = dGx.size(1), GH = dGx.size(2), H = hs.size(2);
  auto dgx = dGx.view({T * B, GH});
  auto dgh = dGh.view({T * B, GH});
  auto dx = need_dx ? contiguous(sequence_product(dgx, w_ih).view({T, B, -1}).transpose(0, 1)) : at::Tensor();
  auto dw_ih = sequence_product(dgx.t(), x_tm.view({T * B, -1}));
  const auto later = (T - 1) * B;  // rows of the steps 1 .. T-1, and of their previous states 0 .. T-2
  auto dw_hh = T > 1 ? sequence_product(dgh.narrow(0, B, later).t(), hs.view({T * B, H}).narrow(0, 0, later))
                     : at::zeros({GH, H}, hs.options());
  auto h0c = contiguous(h0);
  AT_DISPATCH_FLOATING_TYPES(hs.scalar_type(), "projection_grads", [&] {
    // dW_hh (GH, H) += dGh_0^T (GH, B) @ h0 (B, H); dGh_0^T(r, i) = dgh[i * GH + r]
    small_product(dgh.data_ptr<scalar_t>(), 1, GH, GH, h0c.data_ptr<scalar_t>(), B, H, dw_hh.data_ptr<scalar_t>());
  });
  auto db_ih = column_sums(dgx);
  auto db_hh = dGh.is_same(dGx) ? db_ih : column_sums(dgh);
  return {dx, dw_ih, dw_hh, db_ih, db_hh};
}

}  // namespace

// ---- SimpleRNN: h_t = act(W_ih x_t + W_hh h_{t-1} + b), act relu or tanh --------------------------------

std::vector<at::Tensor> rnn_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& w_ih,
                                    const at::Tensor& w_hh, const at::Tensor& b, bool relu) {
  ThreadsForSize threads(call_size(x, w_ih, w_hh));
  auto x_tm = time_major(x);
  const auto T = x_tm.size(0), B = x_tm.size(1), H = w_hh.size(1);
  auto hs = input_projection(x_tm, w_ih, b);  // pre-activations, then h
  auto h0c = contiguous(h0);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "rnn_forward", [&] {
    StepProduct<scalar_t> recur(w_hh.t());
    const int64_t n = B * H;
    each_row_block(B, [&](int64_t b0, int64_t b1) {
      const int64_t m = (b1 - b0) * H;  // this block's values per step
      scalar_t* out = hs.data_ptr<scalar_t>() + b0 * H;
      for (int64_t t = 0; t < T; ++t) {
        scalar_t* h = out + t * n;
        recur.accumulate(t > 0 ? h - n : h0c.data_ptr<scalar_t>() + b0 * H, h, b1 - b0);
        if (relu) {
          for (int64_t i = 0; i < m; ++i) h[i] = h[i] > 0 ? h[i] : scalar_t(0);
        } else {
          tanh_rows(h, m);
        }
      }
    });
  });
  return {hs, x_tm};
}

std::vector<at::Tensor> rnn_backward(const at::Tensor& grad_out, const at::Tensor& grad_hn, const at::Tensor& x_tm,
                                     const at::Tensor& h0, const at::Tensor& w_ih, const at::Tensor& w_hh,
                                     const at::Tensor& hs, bool relu, bool need_dx) {
  ThreadsForSize threads(call_size(x_tm, w_ih, w_hh));
  const auto T = hs.size(0), B = hs.size(1), H = hs.size(2);
  auto go = time_major(grad_out);
  auto dG = at::empty_like(hs);
  auto dh_next = packed(grad_hn);
  AT_DISPATCH_FLOATING_TYPES(hs.scalar_type(), "rnn_backward", [&] {
    StepProduct<scalar_t> back(w_hh);
    const int64_t n = B * H;
    each_row_block(B, [&](int64_t b0, int64_t b1) {
      const int64_t m = (b1 - b0) * H, first = b0 * H;
      scalar_t* dn = dh_next.data_ptr<scalar_t>() + first;
      for (int64_t t = T - 1; t >= 0; --t) {
        const scalar_t* __restrict g = go.data_ptr<scalar_t>() + t * n + first;
        const scalar_t* __restrict h = hs.data_ptr<scalar_t>() + t * n + first;
        scalar_t* __restrict d = dG.data_ptr<scalar_t>() + t * n + first;
        for (int64_t i = 0; i < m; ++i) {
          const scalar_t dh = g[i] + dn[i];
          d[i] = relu ? (h[i] > 0 ? dh : scalar_t(0)) : dh * (scalar_t(1) - h[i] * h[i]);
          dn[i] = 0;
        }
        back.accumulate(d, dn, b1 - b0);
      }
    });
  });
  auto grads = projection_grads(dG, dG, contiguous(x_tm), h0, hs, w_ih, need_dx);
  return {grads[0], dh_next, grads[1], grads[2], grads[3]};
}

// ---- LSTM: gates i, f, g, o; c_t = f c_{t-1} + i g; h_t = o tanh(c_t) ---------------------------------

std::vector<at::Tensor> lstm_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0,
                                     const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& b) {
  ThreadsForSize threads(call_size(x, w_ih, w_hh));
  auto x_tm = time_major(x);
  const auto T = x_tm.size(0), B = x_tm.size(1), H = w_hh.size(1);
  auto gates = input_projection(x_tm, w_ih, b);  // activated in place
  auto hs = at::empty({T, B, H}, x.options());
  auto cs = at::empty({T, B, H}, x.options());
  auto h0c = contiguous(h0);
  auto c0c = contiguous(c0);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "lstm_forward", [&] {
    StepProduct<scalar_t> recur(w_hh.t());
    const int64_t n = B * H;
    each_row_block(B, [&](int64_t b0, int64_t b1) {
      for (int64_t t = 0; t < T; ++t) {
        scalar_t* gp = gates.data_ptr<scalar_t>() + t * 4 * n;
        scalar_t* h = hs.data_ptr<scalar_t>() + t * n;
        scalar_t* c = cs.data_ptr<scalar_t>() + t * n;
        const scalar_t* hp = t > 0 ? h - n : h0c.data_ptr<scalar_t>();
        const scalar_t* cp = t > 0 ? c - n : c0c.data_ptr<scalar_t>();
        recur.accumulate(hp + b0 * H, gp + b0 * 4 * H, b1 - b0);
        for (int64_t row = b0; row < b1; ++row) {
          scalar_t* r = gp + row * 4 * H;
          sigmoid_rows(r, 2 * H);
          tanh_rows(r + 2 * H, H);
          sigmoid_rows(r + 3 * H, H);
          lstm_cell(r, r + H, r + 2 * H, r + 3 * H, cp + row * H, c + row * H, h + row * H, H);
        }
      }
    });
  });
  return {hs, cs, gates, x_tm};
}

std::vector<at::Tensor> lstm_backward(const at::Tensor& grad_out, const at::Tensor& grad_hn, const at::Tensor& grad_cn,
                                      const at::Tensor& x_tm, const at::Tensor& h0, const at::Tensor& c0,
                                      const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& hs,
                                      const at::Tensor& cs, const at::Tensor& gates, bool need_dx) {
  ThreadsForSize threads(call_size(x_tm, w_ih, w_hh));
  const auto T = hs.size(0), B = hs.size(1), H = hs.size(2);
  auto go = time_major(grad_out);
  auto dG = at::empty_like(gates);
  auto dh_next = packed(grad_hn);
  auto dc_next = packed(grad_cn);
  auto c0c = contiguous(c0);
  AT_DISPATCH_FLOATING_TYPES(hs.scalar_type(), "lstm_backward", [&] {
    StepProduct<scalar_t> back(w_hh);
    const int64_t n = B * H;
    scalar_t* dh = dh_next.data_ptr<scalar_t>();
    scalar_t* dc = dc_next.data_ptr<scalar_t>();
    each_row_block(B, [&](int64_t b0, int64_t b1) {
      for (int64_t t = T - 1; t >= 0; --t) {
        const scalar_t* g = go.data_ptr<scalar_t>() + t * n;
        const scalar_t* a = gates.data_ptr<scalar_t>() + t * 4 * n;
        const scalar_t* c = cs.data_ptr<scalar_t>() + t * n;
        const scalar_t* cp = t > 0 ? c - n : c0c.data_ptr<scalar_t>();
        scalar_t* d = dG.data_ptr<scalar_t>() + t * 4 * n;
        for (int64_t row = b0; row < b1; ++row) {
          const scalar_t* r = a + row * 4 * H;
          scalar_t* dr = d + row * 4 * H;
          const int64_t k = row * H;
          lstm_cell_grad(r, r + H, r + 2 * H, r + 3 * H, c + k, cp + k, g + k, dh + k, dc + k, dr, dr + H,
                         dr + 2 * H, dr + 3 * H, H);
        }
        std::fill(dh + b0 * H, dh + b1 * H, scalar_t(0));
        back.accumulate(d + b0 * 4 * H, dh + b0 * H, b1 - b0);
      }
    });
  });
  auto grads = projection_grads(dG, dG, contiguous(x_tm), h0, hs, w_ih, need_dx);
  return {grads[0], dh_next, dc_next, grads[1], grads[2], grads[3]};
}

// ---- GRU (reset after the product): r, z = sigma(.), n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
//      h_t = (1 - z) n + z h_{t-1} ---------------------------------------------------------------------

std::vector<at::Tensor> gru_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& w_ih,
                                    const at::Tensor& w_hh, const at::Tensor& b_ih, const at::Tensor& b_hh) {
  ThreadsForSize threads(call_size(x, w_ih, w_hh));
  auto x_tm = time_major(x);
  const auto T = x_tm.size(0), B = x_tm.size(1), H = w_hh.size(1);
  auto gx = input_projection(x_tm, w_ih, b_ih);  // then r, z, n
  auto gh = packed(b_hh.view({1, 1, 3 * H}).expand({T, B, 3 * H}));  // + W_hh h below
  auto hs = at::empty({T, B, H}, x.options());
  auto h0c = contiguous(h0);
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "gru_forward", [&] {
    StepProduct<scalar_t> recur(w_hh.t());
    const int64_t n = B * H;
    each_row_block(B, [&](int64_t b0, int64_t b1) {
      for (int64_t t = 0; t < T; ++t) {
        scalar_t* a = gx.data_ptr<scalar_t>() + t * 3 * n;
        scalar_t* q = gh.data_ptr<scalar_t>() + t * 3 * n;
        scalar_t* h = hs.data_ptr<scalar_t>() + t * n;
        const scalar_t* hp = t > 0 ? h - n : h0c.data_ptr<scalar_t>();
        recur.accumulate(hp + b0 * H, q + b0 * 3 * H, b1 - b0);
        for (int64_t row = b0; row < b1; ++row) {
          scalar_t* ar = a + row * 3 * H;
          const scalar_t* qr = q + row * 3 * H;
          gru_gates_row(ar, qr, ar + 2 * H, qr + 2 * H, hp + row * H, h + row * H, H);
        }
      }
    });
  });
  return {hs, gx, gh, x_tm};
}

std::vector<at::Tensor> gru_backward(const at::Tensor& grad_out, const at::Tensor& grad_hn, const at::Tensor& x_tm,
                                     const at::Tensor& h0, const at::Tensor& w_ih, const at::Tensor& w_hh,
                                     const at::Tensor& hs, const at::Tensor& rzn, const at::Tensor& gh, bool need_dx) {
  ThreadsForSize threads(call_size(x_tm, w_ih, w_hh));
  const auto T = hs.size(0), B = hs.size(1), H = hs.size(2);
  auto go = time_major(grad_out);
  auto dGX = at::empty_like(rzn);
  auto dGH = at::empty_like(rzn);
  auto dh_next = packed(grad_hn);
  auto h0c = contiguous(h0);
  AT_DISPATCH_FLOATING_TYPES(hs.scalar_type(), "gru_backward", [&] {
    StepProduct<scalar_t> back(w_hh);
    const int64_t n = B * H;
    scalar_t* dh = dh_next.data_ptr<scalar_t>();
    each_row_block(B, [&](int64_t b0, int64_t b1) {
      for (int64_t t = T - 1; t >= 0; --t) {
        const scalar_t* g = go.data_ptr<scalar_t>() + t * n;
        const scalar_t* a = rzn.data_ptr<scalar_t>() + t * 3 * n;
        const scalar_t* q = gh.data_ptr<scalar_t>() + t * 3 * n;
        const scalar_t* hp = t > 0 ? hs.data_ptr<scalar_t>() + (t - 1) * n : h0c.data_ptr<scalar_t>();
        scalar_t* dx = dGX.data_ptr<scalar_t>() + t * 3 * n;
        scalar_t* dq = dGH.data_ptr<scalar_t>() + t * 3 * n;
        for (int64_t row = b0; row < b1; ++row) {
          const scalar_t* ar = a + row * 3 * H;
          const scalar_t* qr = q + row * 3 * H;
          scalar_t* dxr = dx + row * 3 * H;
          scalar_t* dqr = dq + row * 3 * H;
          const int64_t k = row * H;
          gru_grad_row(ar, ar + H, ar + 2 * H, qr + 2 * H, hp + k, g + k, dh + k, dxr, dxr + H, dxr + 2 * H, dqr,
                       dqr + H, dqr + 2 * H, H);
        }
        back.accumulate(dq + b0 * 3 * H, dh + b0 * H, b1 - b0);  // dh already holds dh * z, the direct path
      }
    });
  });
  auto grads = projection_grads(dGX, dGH, contiguous(x_tm), h0, hs, w_ih, need_dx);
  return {grads[0], dh_next, grads[1], grads[2], grads[3], grads[4]};
}
