// The Python module rnnkit_native: the kernels of recurrent.cpp, scan.cpp, diagonal_scan.cpp and sequential.cpp.

#include <torch/extension.h>

#include "diagonal_scan.h"
#include "recurrent.h"
#include "scan.h"
#include "sequential.h"

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("rnn_forward", &rnn_forward);
  m.def("rnn_backward", &rnn_backward);
  m.def("lstm_forward", &lstm_forward);
  m.def("lstm_backward", &lstm_backward);
  m.def("gru_forward", &gru_forward);
  m.def("gru_backward", &gru_backward);
  m.def("stack_gradients", &stack_gradients);
  m.def("stack_predict", &stack_predict);
  m.def("grouped_stack_gradients", &grouped_stack_gradients);
  m.def("grouped_stack_predict", &grouped_stack_predict);
  m.def("adam_update", &adam_update);
  m.def("rmsprop_update", &rmsprop_update);
  m.def("adam_pass", &adam_pass);
  m.def("gated_scan_forward", &gated_scan_forward);
  m.def("gated_scan_backward", &gated_scan_backward);
  m.def("gate_scan_forward", &gate_scan_forward);
  m.def("gate_scan_backward", &gate_scan_backward);
  m.def("diagonal_scan_forward", &diagonal_scan_forward);
  m.def("diagonal_scan_backward", &diagonal_scan_backward);
}
