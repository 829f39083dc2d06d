package documents

import (
	"context"
	"errors"

	"github.com/healthprep/desk/internal/store"
)

// StoreCache keeps extracted text in the encrypted Badger cache, as
// files named by content hash: it never touches the disk otherwise.
type StoreCache struct{ Store *store.Store }

func (c StoreCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := c.Store.GetFile(ctx, key)
	if errors.Is(err, store.ErrNoFile) {
		return nil, false, nil
	}
	return b, err == nil, err
}

func (c StoreCache) Put(ctx context.Context, key string, b []byte) error {
	return c.Store.PutFile(ctx, key, b)
}
