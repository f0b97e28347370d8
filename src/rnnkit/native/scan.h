// The gated linear scan of scan.cpp: h_t = h_{t-1} + u_t * (v_t - h_{t-1}), forward and backward.
// Shapes: u, v, hs, grad_hs (B, T, H) batch-first and contiguous; h0 (B, H).
#pragma once

#include <torch/extension.h>

#include <vector>

at::Tensor gated_scan_forward(const at::Tensor& u, const at::Tensor& v, const at::Tensor& h0);
std::vector<at::Tensor> gated_scan_backward(const at::Tensor& grad_hs, const at::Tensor& u, const at::Tensor& v,
                                            const at::Tensor& hs, const at::Tensor& h0);
