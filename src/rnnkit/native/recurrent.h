// The whole-sequence kernels of recurrent.cpp, for the other sources of the module (sequential.cpp).
// Shapes: x (B, T, F) batch-first; hs, cs, gates time-major (T, B, .); weights in PyTorch's layout. Each
// forward returns its time-major copy of x last; the backward takes it (x_tm, (T, B, F)) in x's place.
#pragma once

#include <torch/extension.h>

#include <vector>

std::vector<at::Tensor> rnn_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& w_ih,
                                    const at::Tensor& w_hh, const at::Tensor& b, bool relu);
std::vector<at::Tensor> rnn_backward(const at::Tensor& grad_out, const at::Tensor& grad_hn, const at::Tensor& x_tm,
                                     const at::Tensor& h0, const at::Tensor& w_ih, const at::Tensor& w_hh,
                                     const at::Tensor& hs, bool relu, bool need_dx);
std::vector<at::Tensor> lstm_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& c0,
                                     const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& b);
std::vector<at::Tensor> lstm_backward(const at::Tensor& grad_out, const at::Tensor& grad_hn, const at::Tensor& grad_cn,
                                      const at::Tensor& x_tm, const at::Tensor& h0, const at::Tensor& c0,
                                      const at::Tensor& w_ih, const at::Tensor& w_hh, const at::Tensor& hs,
                                      const at::Tensor& cs, const at::Tensor& gates, bool need_dx);
std::vector<at::Tensor> gru_forward(const at::Tensor& x, const at::Tensor& h0, const at::Tensor& w_ih,
                                    const at::Tensor& w_hh, const at::Tensor& b_ih, const at::Tensor& b_hh);
std::vector<at::Tensor> gru_backward(const at::Tensor& grad_out, const at::Tensor& grad_hn, const at::Tensor& x_tm,
                                     const at::Tensor& h0, const at::Tensor& w_ih, const at::Tensor& w_hh,
                                     const at::Tensor& hs, const at::Tensor& rzn, const at::Tensor& gh, bool need_dx);
