// The diagonal complex linear scan of diagonal_scan.cpp: x_t = λ ⊙ x_{t-1} + b_t, on real pairs.
// Shapes: b, xs, grad_xs (B, T, N, 2) contiguous (re, im last); lam (N, 2); x0 (B, N, 2);
// keep (B, T) bool or an empty tensor (every step real).
#pragma once

#include <torch/extension.h>

#include <vector>

at::Tensor diagonal_scan_forward(const at::Tensor& b, const at::Tensor& lam, const at::Tensor& x0, const at::Tensor& keep);
std::vector<at::Tensor> diagonal_scan_backward(const at::Tensor& grad_xs, const at::Tensor& lam, const at::Tensor& xs,
                                               const at::Tensor& x0, const at::Tensor& keep);
