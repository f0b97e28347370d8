// The diagonal complex linear scan behind the LRU (rnnkit.nn.lru), on real pairs (re, im):
//
//   x_t = λ ⊙ x_{t-1} + b_t          (a step with keep = 0 keeps the state: x_t = x_{t-1})
//
// with λ = a + i·c per channel. In real terms x_t = (a·xr − c·xi + br, a·xi + c·xr + bi). Backward, with
// g_t = (∂L/∂xr_t, ∂L/∂xi_t) and C_t the total gradient reaching x_t (g_t plus what flows back from t+1):
//
//   C_t = g_t + conj(λ)·C_{t+1}   (C_t itself when step t+1 is kept, not multiplied),
//   ∂L/∂b_t = C_t,   ∂L/∂λ = Σ_t conj(x_{t-1})·C_t,   ∂L/∂x_0 = what flows out of the first step,
//
// where "conj(λ)·C" is (a·Cr + c·Ci, a·Ci − c·Cr) and "conj(x)·C" is (xr·Cr + xi·Ci, xr·Ci − xi·Cr): the
// real gradients of the products above (also PyTorch's convention for complex tensors).
// Rows of the batch are independent: one thread takes a block of them; each keeps its own ∂L/∂λ.

#include "diagonal_scan.h"

#include <ATen/Parallel.h>

at::Tensor diagonal_scan_forward(const at::Tensor& b_in, const at::Tensor& lam_in, const at::Tensor& x0_in,
                                 const at::Tensor& keep_in) {
  auto b = b_in.contiguous(), lam = lam_in.contiguous(), x0 = x0_in.contiguous();
  auto keep = keep_in.numel() ? keep_in.to(at::kBool).contiguous() : keep_in;
  const int64_t B = b.size(0), T = b.size(1), N = b.size(2);
  auto xs = at::empty_like(b);
  AT_DISPATCH_FLOATING_TYPES(b.scalar_type(), "diagonal_scan_forward", [&] {
    const scalar_t* IN = b.data_ptr<scalar_t>();
    const scalar_t* L = lam.data_ptr<scalar_t>();
    const scalar_t* X0 = x0.data_ptr<scalar_t>();
    const bool* K = keep.numel() ? keep.data_ptr<bool>() : nullptr;
    scalar_t* XS = xs.data_ptr<scalar_t>();
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const scalar_t* prev = X0 + r * N * 2;
        for (int64_t t = 0; t < T; ++t) {
          const int64_t step = r * T + t;
          scalar_t* out = XS + step * N * 2;
          if (K && !K[step]) {
            for (int64_t j = 0; j < 2 * N; ++j) out[j] = prev[j];
          } else {
            const scalar_t* in = IN + step * N * 2;
            for (int64_t j = 0; j < N; ++j) {
              const scalar_t a = L[2 * j], c = L[2 * j + 1], xr = prev[2 * j], xi = prev[2 * j + 1];
              out[2 * j] = a * xr - c * xi + in[2 * j];
              out[2 * j + 1] = a * xi + c * xr + in[2 * j + 1];
            }
          }
          prev = out;
        }
      }
    });
  });
  return xs;
}

std::vector<at::Tensor> diagonal_scan_backward(const at::Tensor& grad_in, const at::Tensor& lam_in,
                                               const at::Tensor& xs_in, const at::Tensor& x0_in,
                                               const at::Tensor& keep_in) {
  auto g = grad_in.contiguous(), lam = lam_in.contiguous(), xs = xs_in.contiguous(), x0 = x0_in.contiguous();
  auto keep = keep_in.numel() ? keep_in.to(at::kBool).contiguous() : keep_in;
  const int64_t B = g.size(0), T = g.size(1), N = g.size(2);
  auto db = at::empty_like(g), dx0 = at::empty_like(x0);
  auto dlam_rows = at::zeros({B, N, 2}, g.options());  // per row, summed after (no shared writes)
  AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "diagonal_scan_backward", [&] {
    const scalar_t* G = g.data_ptr<scalar_t>();
    const scalar_t* L = lam.data_ptr<scalar_t>();
    const scalar_t* XS = xs.data_ptr<scalar_t>();
    const scalar_t* X0 = x0.data_ptr<scalar_t>();
    const bool* K = keep.numel() ? keep.data_ptr<bool>() : nullptr;
    scalar_t* DB = db.data_ptr<scalar_t>();
    scalar_t* DX0 = dx0.data_ptr<scalar_t>();
    scalar_t* DL = dlam_rows.data_ptr<scalar_t>();
    at::parallel_for(0, B, 1, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        scalar_t* carry = DX0 + r * N * 2;  // the gradient flowing back; ends as ∂L/∂x_0
        scalar_t* dl = DL + r * N * 2;
        for (int64_t j = 0; j < 2 * N; ++j) carry[j] = 0;
        for (int64_t t = T - 1; t >= 0; --t) {
          const int64_t step = r * T + t;
          const scalar_t* grad = G + step * N * 2;
          scalar_t* d = DB + step * N * 2;
          if (K && !K[step]) {  // the state passed through: so does its gradient
            for (int64_t j = 0; j < 2 * N; ++j) {
              carry[j] += grad[j];
              d[j] = 0;
            }
            continue;
          }
          const scalar_t* prev = t > 0 ? XS + (step - 1) * N * 2 : X0 + r * N * 2;
          for (int64_t j = 0; j < N; ++j) {
            const scalar_t cr = grad[2 * j] + carry[2 * j], ci = grad[2 * j + 1] + carry[2 * j + 1];
            const scalar_t a = L[2 * j], c = L[2 * j + 1], xr = prev[2 * j], xi = prev[2 * j + 1];
            d[2 * j] = cr;
            d[2 * j + 1] = ci;
            dl[2 * j] += xr * cr + xi * ci;
            dl[2 * j + 1] += xr * ci - xi * cr;
            carry[2 * j] = a * cr + c * ci;
            carry[2 * j + 1] = a * ci - c * cr;
          }
        }
      }
    });
  });
  return {db, dlam_rows.sum(0), dx0};
}
