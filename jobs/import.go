package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/vendorwatch/vendorwatch/domain"
)

// ImportPlanArgs asks for the plan of a large import file (domain.ImportPlanner).
type ImportPlanArgs struct {
	ImportID string `json:"import_id"`
}

// Kind implements river.JobArgs.
func (ImportPlanArgs) Kind() string { return "import_plan" }

// InsertOpts implements river.JobArgsWithInsertOpts: one job per import.
func (ImportPlanArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// enqueueImportPlan returns the store's hook that queues the plan in the
// transaction that stored the file (domain.EnqueueImportPlan).
func enqueueImportPlan(client *Client) domain.EnqueueImportPlan {
	return func(ctx context.Context, tx *sql.Tx, id string) error {
		if _, err := client.InsertTx(ctx, tx, ImportPlanArgs{ImportID: id}, nil); err != nil {
			return fmt.Errorf("jobs: queue the import plan: %w", err)
		}
		return nil
	}
}

// ImportPlanWorker plans a large import, with progress in rows_done.
type ImportPlanWorker struct {
	river.WorkerDefaults[ImportPlanArgs]
	Imports domain.ImportPlanner
}

// Work implements river.Worker.
func (w *ImportPlanWorker) Work(ctx context.Context, job *river.Job[ImportPlanArgs]) error {
	return w.Imports.PlanImport(ctx, job.Args.ImportID)
}
