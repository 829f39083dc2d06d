package agent

import (
	"context"
	"sync"
	"testing"
)

// Opening the cache from many requests at once (the app's first status
// call races the agent's first sync) must give one store, not a
// "cache in use" error from Badger's directory lock.
func TestConcurrentFirstUseOpensTheCacheOnce(t *testing.T) {
	a, _ := openPractice(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := a.openStore(context.Background())
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
}
