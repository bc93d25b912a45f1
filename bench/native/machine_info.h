// MachineInfo: what the header of a benchmark report says about the host, so
// figures from different machines or loads are not compared blindly.

#ifndef SHALE_BENCH_NATIVE_MACHINE_INFO_H_
#define SHALE_BENCH_NATIVE_MACHINE_INFO_H_

#include <string>

namespace shale_bench {

struct MachineInfo {
  int cpus = 0;              // online CPUs (nproc)
  std::string cpu_model;     // /proc/cpuinfo "model name"
  std::string memory;        // /proc/meminfo MemTotal, "23.4 GiB"
  std::string kernel;        // uname -sr
  std::string compiler;
};

MachineInfo GetMachineInfo();

// /proc/loadavg's three load averages, "1.32 3.19 2.99"; "?" if unreadable.
std::string LoadAverage();

// The file system type under `path` ("ext4", "tmpfs", "overlay", or the
// magic number in hex).
std::string FileSystemType(const std::string& path);

}  // namespace shale_bench

#endif  // SHALE_BENCH_NATIVE_MACHINE_INFO_H_
