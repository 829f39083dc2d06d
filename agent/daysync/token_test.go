package daysync

import "golang.org/x/oauth2"

type oauthToken = oauth2.Token
