// Data-parallel training under a real `mpirun -np 2` (built only where MPI was found): the same
// weights as one process, checkpoints and resume across process counts, and a rank that dies or
// hangs ends the job with an error instead of a hang.
#ifdef ADAMITE_TEST_MPI
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "adamite/io/safetensors.hpp"
#include "process_support.hpp"

namespace {
namespace fs = std::filesystem;
using adamite::testing::read_file;
using adamite::testing::Result;
using Clock = std::chrono::steady_clock;

// One thread per process: the two processes share this machine's cores.
std::vector<std::string> mpirun_words(int processes) {
  // Shared-memory copies without CMA (process_vm_readv), which containers often forbid.
  std::vector<std::string> words = {ADAMITE_MPIEXEC,
                                    "-np",
                                    std::to_string(processes),
                                    "--oversubscribe",
                                    "--mca",
                                    "btl_vader_single_copy_mechanism",
                                    "none"};
  if (geteuid() == 0) words.push_back("--allow-run-as-root");  // containers, CI
  words.push_back(ADAMITE_CLI);
  return words;
}

std::string joined(const std::vector<std::string>& words) {
  std::string line;
  for (const std::string& w : words) line += (line.empty() ? "" : " ") + w;
  return line;
}

Result adamite_alone(const std::string& arguments, const fs::path& log) {
  return adamite::testing::run_command(std::string(ADAMITE_CLI) + " " + arguments, log);
}

Result adamite_on(int processes, const std::string& arguments, const fs::path& log) {
  return adamite::testing::run_command(joined(mpirun_words(processes)) + " " + arguments, log);
}

// max over tensors of |a - b| / |b| (Frobenius norms): how far apart two runs' weights are.
double relative_difference(const fs::path& a, const fs::path& b) {
  const auto x = adamite::io::load_safetensors(a), y = adamite::io::load_safetensors(b);
  REQUIRE(x.tensors.size() == y.tensors.size());
  double worst = 0.0;
  for (size_t i = 0; i < x.tensors.size(); ++i) {
    const auto& u = x.tensors[i].second.array();
    const auto& v = y.tensors[i].second.array();
    REQUIRE(u.size() == v.size());
    worst = std::max(worst, double((u - v).matrix().norm() / v.matrix().norm()));
  }
  return worst;
}

// The pid of the process of MPI rank `rank` that mpirun `launcher` started (its child).
pid_t rank_pid(pid_t launcher, int rank) {
  const std::string wanted = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string pid, name, state;
    pid_t parent = 0;
    if (!(stat >> pid >> name >> state >> parent) || parent != launcher) continue;
    const std::string environment = read_file(entry.path() / "environ");
    if (environment.find(wanted + '\0') != std::string::npos || environment.ends_with(wanted))
      return static_cast<pid_t>(std::stol(pid));
  }
  return -1;
}

// Waits for `pid` for up to `limit`; its exit code, -1 for a signal, or -2 if it did not end
// (then it is killed).
int wait_for(pid_t pid, std::chrono::seconds limit) {
  int status = 0;
  if (!adamite::testing::wait_until(
          pid, [&] { return waitpid(pid, &status, WNOHANG) == pid; }, limit))
    return -2;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void wait_for_file(pid_t launcher, const fs::path& file) {
  REQUIRE_MESSAGE(adamite::testing::wait_until(launcher, [&] { return fs::exists(file); }),
                  (file.string() + " never appeared"));
}

// Rank-order sums make every run below bitwise equal to one process with 2 micro-batches.
const std::string kTwenty = "train --model mlp --epochs 1 --max-steps 20 --seed 3 --threads 1 ";
const std::string kEpoch = "train --model mlp --epochs 1 --seed 4 --threads 1 ";

}  // namespace

TEST_SUITE("mpi") {
  TEST_CASE(
      "mpi: 20 steps on 2 processes equal 1 process, bitwise against 2 micro-batches and to 1e-5 "
      "against whole minibatches") {
    adamite::testing::TempDir dir;
    for (const std::string dropout : {"0", "0.5"}) {
      CAPTURE(dropout);
      const std::string run = kTwenty + "--dropout " + dropout + " --save ";
      const Result two = adamite_on(
          2, run + (dir / "two.safetensors").string() + " --rank-order-reduce", dir / "two.log");
      INFO(two.output);
      REQUIRE(two.exit_code == 0);
      CHECK(two.output.find("data parallel: 2 MPI processes") != std::string::npos);
      // Only rank 0 prints: one summary, not two.
      CHECK(two.output.find("final test accuracy") == two.output.rfind("final test accuracy"));
      const Result micro = adamite_alone(
          run + (dir / "micro.safetensors").string() + " --micro-batches 2", dir / "micro.log");
      REQUIRE(micro.exit_code == 0);
      CHECK(read_file(dir / "two.safetensors") == read_file(dir / "micro.safetensors"));
      // MPI_Allreduce of two values is one addition, which commutes: the same bits again.
      REQUIRE(
          adamite_on(2, run + (dir / "allreduce.safetensors").string(), dir / "ar.log").exit_code ==
          0);
      CHECK(read_file(dir / "allreduce.safetensors") == read_file(dir / "two.safetensors"));

      const Result whole = adamite_alone(run + (dir / "whole.safetensors").string(), dir / "w.log");
      REQUIRE(whole.exit_code == 0);
      const double difference =
          relative_difference(dir / "two.safetensors", dir / "whole.safetensors");
      MESSAGE("dropout " << dropout << ": relative difference " << difference);
      CHECK(difference <= 1e-5);
      CHECK(difference > 0.0);  // a different float sum order: equal bits would be suspicious
    }
  }

  TEST_CASE(
      "mpi: SIGINT to mpirun stops both ranks after one step with a checkpoint, resuming on 2 or "
      "1 processes ends with the weights of the uninterrupted run") {
    adamite::testing::TempDir dir;
    const Result straight =
        adamite_alone(kEpoch + "--micro-batches 2 --save " + (dir / "straight.st").string(),
                      dir / "straight.log");
    INFO(straight.output);
    REQUIRE(straight.exit_code == 0);

    for (const int resume_processes : {2, 1}) {
      CAPTURE(resume_processes);
      const fs::path checkpoint = dir / ("ck" + std::to_string(resume_processes));
      std::vector<std::string> words = mpirun_words(2);
      for (const char* w : {"train", "--model", "mlp", "--epochs", "1", "--seed", "4", "--threads",
                            "1", "--rank-order-reduce", "--checkpoint-every", "20", "--checkpoint"})
        words.push_back(w);
      words.push_back(checkpoint.string());
      const pid_t launcher = adamite::testing::spawn(words, dir / "interrupted.log");
      wait_for_file(launcher, checkpoint / "checkpoint.safetensors");
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // land mid-interval
      REQUIRE(kill(launcher, SIGINT) == 0);
      const int code = wait_for(launcher, std::chrono::seconds(120));
      const std::string log = read_file(dir / "interrupted.log");
      INFO(log);
      CHECK(code != 0);
      CHECK(code != -2);
      // mpirun passes the signal on as SIGTERM; rank 0 says where it saved.
      CHECK(log.find("stopped after step") != std::string::npos);
      CHECK(log.find("--resume " + checkpoint.string()) != std::string::npos);

      const std::string resume =
          kEpoch + "--save " + (dir / "resumed.st").string() + " --resume " + checkpoint.string();
      const Result resumed =
          resume_processes == 2
              ? adamite_on(2, resume + " --rank-order-reduce", dir / "resumed.log")
              : adamite_alone(resume + " --micro-batches 2", dir / "resumed.log");
      INFO(resumed.output);
      REQUIRE(resumed.exit_code == 0);
      CHECK(resumed.output.find("resuming from") != std::string::npos);
      CHECK(read_file(dir / "resumed.st") == read_file(dir / "straight.st"));
    }
  }

  TEST_CASE(
      "mpi: a rank killed mid-run ends the job with an error within seconds and the "
      "checkpoint stays intact") {
    adamite::testing::TempDir dir;
    const fs::path checkpoint = dir / "ck";
    std::vector<std::string> words = mpirun_words(2);
    for (const char* w : {"train", "--model", "mlp", "--epochs", "1", "--threads", "1",
                          "--checkpoint-every", "10", "--checkpoint"})
      words.push_back(w);
    words.push_back(checkpoint.string());
    const pid_t launcher = adamite::testing::spawn(words, dir / "killed.log");
    wait_for_file(launcher, checkpoint / "checkpoint.safetensors");
    const pid_t victim = rank_pid(launcher, 1);
    REQUIRE(victim > 0);
    REQUIRE(kill(victim, SIGKILL) == 0);
    const auto killed_at = Clock::now();
    const int code = wait_for(launcher, std::chrono::seconds(120));
    const double seconds = std::chrono::duration<double>(Clock::now() - killed_at).count();
    INFO(read_file(dir / "killed.log"));
    CAPTURE(seconds);
    CHECK(code != 0);
    CHECK(code != -2);  // -2: still running after 2 minutes, i.e. hung
    CHECK(seconds < 60.0);
    // Whatever step it reached, the checkpoint is a whole one: it resumes to the end.
    const Result resumed = adamite_alone("train --model mlp --epochs 1 --threads 2 --resume " +
                                             checkpoint.string() + " --max-steps 120",
                                         dir / "resumed.log");
    INFO(resumed.output);
    CHECK(resumed.exit_code == 0);
  }

  TEST_CASE("mpi: a rank that hangs makes the others stop after --mpi-timeout with a message") {
    adamite::testing::TempDir dir;
    const fs::path checkpoint = dir / "ck";
    std::vector<std::string> words = mpirun_words(2);
    for (const char* w : {"train", "--model", "mlp", "--epochs", "1", "--threads", "1",
                          "--mpi-timeout", "3", "--checkpoint-every", "10", "--checkpoint"})
      words.push_back(w);
    words.push_back(checkpoint.string());
    const pid_t launcher = adamite::testing::spawn(words, dir / "hung.log");
    wait_for_file(launcher, checkpoint / "checkpoint.safetensors");
    const pid_t victim = rank_pid(launcher, 1);
    REQUIRE(victim > 0);
    REQUIRE(kill(victim, SIGSTOP) == 0);
    const int code = wait_for(launcher, std::chrono::seconds(90));
    kill(victim, SIGKILL);  // if mpirun left it stopped
    const std::string log = read_file(dir / "hung.log");
    INFO(log);
    CHECK(code != 0);
    CHECK(code != -2);
    CHECK(log.find("no answer from the other processes") != std::string::npos);
  }
}
#endif
