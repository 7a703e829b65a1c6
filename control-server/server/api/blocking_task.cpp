#include "api/blocking_task.hpp"

#include <exception>

#include <gio/gio.h>

namespace rw::server {
namespace {

struct Job {
  std::function<BlockingResult()> work;
  std::function<void(BlockingResult)> done;
  BlockingResult result;
};

}  // namespace

void run_blocking(std::function<BlockingResult()> work, std::function<void(BlockingResult)> done) {
  auto *job = new Job{std::move(work), std::move(done), {}};
  GTask *task = g_task_new(
      nullptr, nullptr,
      [](GObject *, GAsyncResult *result, gpointer data) {
        auto *finished = static_cast<Job *>(data);
        g_task_propagate_boolean(G_TASK(result), nullptr);
        finished->done(std::move(finished->result));
        delete finished;
      },
      job);
  g_task_set_task_data(task, job, nullptr);
  g_task_run_in_thread(task, [](GTask *self, gpointer, gpointer data, GCancellable *) {
    auto *running = static_cast<Job *>(data);
    try {
      running->result = running->work();
    } catch (const std::exception &e) {
      running->result.error = e.what();
    }
    g_task_return_boolean(self, TRUE);
  });
  g_object_unref(task);
}

}  // namespace rw::server
