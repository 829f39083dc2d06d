package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/healthprep/desk/agent"
	"github.com/healthprep/desk/agent/access"
)

func newClientKeyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "client-key",
		Short: "Print this computer's public key, for an app that signs in with private_key_jwt",
		Long: `For a SMART server where the app is registered as an asymmetric confidential
client (private_key_jwt) and which offers no device registration: makes a key
for this computer once, keeps its private half in the keychain, and prints the
public half as a JWK set on standard output. Give that to the server's
administrator to register with the app, then run signin. Sign-in and renewals
then prove the app with this key. Run it after setup and before signin.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := agent.DataDir()
			if err != nil {
				return err
			}
			p, err := agent.LoadPractice(dir)
			if err != nil {
				return err
			}
			acc := access.New(access.Options{PracticeID: p.ID(), ClientID: p.ClientID, DataDir: dir, Log: g.logger()})
			set, err := acc.ClientKeySet(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), string(set))
			fmt.Fprintln(cmd.ErrOrStderr(), "Register this public key with the app at the server (private_key_jwt), then run: healthprep-agent signin")
			return nil
		},
	}
}
